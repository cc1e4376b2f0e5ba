// Package application holds the use cases of the service, one sub-package per area: catalog
// (search, latest, details, categories), ingest, health, and the caching policy they share. Use
// cases know the domain and the ports, nothing else of the project.
package application

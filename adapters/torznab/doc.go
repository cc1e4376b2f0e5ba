// Package torznab serves the catalog to Sonarr, Radarr, Lidarr, Readarr and Prowlarr as a Torznab
// indexer (Torznab 1.3 over Newznab's API): capabilities, searches and RSS as XML, errors as
// <error code description/>. It reads through the catalog's use cases and cache, as the REST routes
// do, and authenticates with personal API keys.
package torznab

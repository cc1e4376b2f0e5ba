// Package torznab tests /torznab/api the way Sonarr, Radarr, Lidarr, Readarr and Prowlarr read it:
// their capability readers, their connection tests, their RSS and search parsers, and every error.
package torznab

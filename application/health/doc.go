// Package health tells whether the service and its backing stores answer, for /api/health, /livez
// and /readyz.
package health

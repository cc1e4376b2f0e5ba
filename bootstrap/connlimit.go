package bootstrap

import (
	"log/slog"
	"net"

	"github.com/torrent-streamer/streamer/adapters/rest"
)

// limitConnections raises the process's open-file limit and wraps ln so the server never holds more
// connections than it has descriptors for: the overall cap is MAX_CONNECTIONS, lowered to leave
// room for the database, the log and the connections to Cloudflare when the limit is lower.
func limitConnections(ln net.Listener, cfg Config, log *slog.Logger) net.Listener {
	limits := rest.ConnLimits{
		Max: cfg.MaxConnections, MaxPerClient: cfg.MaxConnectionsPerClient,
		TrustedProxies: cfg.TrustedProxies, Logger: log,
	}
	if limits.Max <= 0 {
		limits.Max = rest.DefaultMaxConnections
	}
	if limits.MaxPerClient <= 0 {
		limits.MaxPerClient = rest.DefaultMaxConnectionsPerClient
	}
	nofile, err := raiseFileLimit()
	if err != nil {
		log.Warn("the open-file limit is unknown; connections are capped by MAX_CONNECTIONS only", "err", err)
	} else if room := connectionRoom(nofile); uint64(limits.Max) > room {
		if cfg.MaxConnections > 0 {
			log.Warn("MAX_CONNECTIONS is above what the open-file limit allows; lowered",
				"max_connections", cfg.MaxConnections, "open_file_limit", nofile, "now", room)
		}
		limits.Max = int(room)
	}
	log.Info("connection limits", "max", limits.Max, "max_per_client", limits.MaxPerClient, "open_file_limit", nofile)
	return rest.LimitListener(ln, limits)
}

// connectionRoom is how many descriptors of nofile connections may take: the rest (at least 32, a
// tenth of a large limit) stay for the database files, the log, the listener and outbound requests.
func connectionRoom(nofile uint64) uint64 {
	reserve := max(uint64(32), nofile/10)
	if nofile <= reserve {
		return 1
	}
	return nofile - reserve
}

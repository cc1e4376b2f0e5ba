// Package ports declares what the core needs from the outside world: the stores of torrents and
// categories, the cache, the clock, the .torrent decoder, health probes. Small interfaces, one file per
// concern, named for what they hold rather than how. Adapters implement them; bootstrap wires them.
package ports

//go:generate go tool mockgen -typed -destination ../tests/mocks/ports.go -package mocks . Cache,TorrentRepository,CategoryRepository,MetainfoDecoder,Pinger,UserRepository,SessionRepository,ActivityRepository,PasswordHasher,TokenSource

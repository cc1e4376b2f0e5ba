package bootstrap

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/joho/godotenv"

	"github.com/torrent-streamer/streamer/adapters/rest"
)

// Config is the service's configuration, read from the environment (API.md's table).
type Config struct {
	CFAccountID   string `env:"CF_ACCOUNT_ID"`
	R1APIToken    string `env:"R1_API_TOKEN"`
	R1Database    string `env:"R1_DATABASE"`
	KVNamespaceID string `env:"KV_NAMESPACE_ID"`
	CFAPIBaseURL  string `env:"CF_API_BASE_URL"`
	AuthSecret    string `env:"AUTH_SECRET"`
	// BetterAuthSecret is the seed's name for AUTH_SECRET, still accepted.
	BetterAuthSecret string `env:"BETTER_AUTH_SECRET"`
	IngestAPIKey     string `env:"INGEST_API_KEY"`
	Addr             string `env:"ADDR"`
	Port             string `env:"PORT"`
	LogLevel         string `env:"LOG_LEVEL" envDefault:"info"`
	LogFormat        string `env:"LOG_FORMAT" envDefault:"text"`
	// SampleData loads the sample catalog into an empty database at start (make run sets it).
	SampleData bool `env:"SAMPLE_DATA" envDefault:"false"`
	// CORSOrigins are the browser origins allowed to call the API with credentials.
	CORSOrigins []string `env:"CORS_ORIGINS" envSeparator:","`
	// TrustedProxies are the reverse proxies whose X-Forwarded-* headers are believed.
	TrustedProxies []string `env:"TRUSTED_PROXIES" envSeparator:","`
	// CookieSecure is "auto" (Secure unless plain HTTP to localhost) or "always".
	CookieSecure string `env:"COOKIE_SECURE" envDefault:"auto"`

	// Abuse limits (issue 8): connections held at once, overall and per client address.
	MaxConnections          int `env:"MAX_CONNECTIONS"`
	MaxConnectionsPerClient int `env:"MAX_CONNECTIONS_PER_CLIENT"`
	// ClientIPHeader is where TRUSTED_PROXIES put the client's address (CF-Connecting-IP behind
	// Cloudflare, X-Forwarded-For behind most others).
	ClientIPHeader string `env:"CLIENT_IP_HEADER"`
	// Rate limits, "count/window" or "off"; unset: rest.DefaultRateLimits.
	RateLimitSignInPerIP    string `env:"RATE_LIMIT_SIGN_IN_PER_IP"`
	RateLimitSignInPerEmail string `env:"RATE_LIMIT_SIGN_IN_PER_EMAIL"`
	RateLimitSignUpPerIP    string `env:"RATE_LIMIT_SIGN_UP_PER_IP"`
	RateLimitIngestPerKey   string `env:"RATE_LIMIT_INGEST_PER_KEY"`
	RateLimitCatalogMisses  string `env:"RATE_LIMIT_CATALOG_MISSES_PER_IP"`
	RateLimitTorznab        string `env:"RATE_LIMIT_TORZNAB_PER_IP"`
	// SearchBudget bounds one search in the store (0: catalog.DefaultSearchBudget, 5 s).
	SearchBudget time.Duration `env:"SEARCH_BUDGET"`
	// ShutdownTimeout is how long in-flight requests get after SIGTERM; at least the longest
	// request's deadline.
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT"`
	// MetricsAddr, when set, serves /metrics there only (host:port), not on the public address.
	MetricsAddr string `env:"METRICS_ADDR"`
	// Pprof serves Go's profiles (/debug/pprof/) beside /metrics on METRICS_ADDR, never on the API's
	// address; refused without METRICS_ADDR.
	Pprof bool `env:"PPROF" envDefault:"false"`
	// ActivityRetention is how long activities are kept (0: activity.DefaultRetention, 180 days).
	ActivityRetention time.Duration `env:"ACTIVITY_RETENTION"`
	// CacheEnabled=false turns off every cache tier (process, Workers KV) and the HTTP response
	// cache: every read reaches the database, to measure it from outside. Unset (nil): on.
	CacheEnabled *bool `env:"CACHE_ENABLED"`
	// CacheMaxMiB bounds the process tier of the cache, in MiB of weighed values.
	CacheMaxMiB int `env:"CACHE_MAX_MIB" envDefault:"64"`
}

// shutdownGrace is SHUTDOWN_TIMEOUT, or the default when it is not set.
func (c Config) shutdownGrace() time.Duration {
	if c.ShutdownTimeout == 0 {
		return ShutdownTimeout
	}
	return c.ShutdownTimeout
}

// rateLimitSettings are the rate-limit variables, by name, with where each goes.
func (c Config) rateLimitSettings() []rateLimitSetting {
	return []rateLimitSetting{
		{"RATE_LIMIT_SIGN_IN_PER_IP", c.RateLimitSignInPerIP, func(r *rest.RateLimits, l rest.RateLimit) { r.SignInPerIP = l }},
		{"RATE_LIMIT_SIGN_IN_PER_EMAIL", c.RateLimitSignInPerEmail, func(r *rest.RateLimits, l rest.RateLimit) { r.SignInPerEmail = l }},
		{"RATE_LIMIT_SIGN_UP_PER_IP", c.RateLimitSignUpPerIP, func(r *rest.RateLimits, l rest.RateLimit) { r.SignUpPerIP = l }},
		{"RATE_LIMIT_INGEST_PER_KEY", c.RateLimitIngestPerKey, func(r *rest.RateLimits, l rest.RateLimit) { r.IngestPerKey = l }},
		{"RATE_LIMIT_CATALOG_MISSES_PER_IP", c.RateLimitCatalogMisses, func(r *rest.RateLimits, l rest.RateLimit) { r.CatalogMissesPerIP = l }},
		{"RATE_LIMIT_TORZNAB_PER_IP", c.RateLimitTorznab, func(r *rest.RateLimits, l rest.RateLimit) { r.TorznabPerIP = l }},
	}
}

type rateLimitSetting struct {
	name, value string
	set         func(*rest.RateLimits, rest.RateLimit)
}

// rateLimits are the limits the environment sets; unset ones stay zero (the defaults).
func (c Config) rateLimits() (rest.RateLimits, []string) {
	var limits rest.RateLimits
	var problems []string
	for _, s := range c.rateLimitSettings() {
		if s.value == "" {
			continue
		}
		l, err := rest.ParseRateLimit(s.value)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s=%q: %v", s.name, s.value, err))
			continue
		}
		s.set(&limits, l)
	}
	return limits, problems
}

// looksLikeD1Name tells a D1 database name or UUID from a local file path: a path has a directory
// or an extension ("./data/streamer.db", "streamer.db"), a D1 name has neither ("streamer").
func looksLikeD1Name(s string) bool {
	return !strings.ContainsAny(s, `/\.`) && s != ":memory:"
}

// DefaultDatabasePath is where the embedded default keeps its SQLite file.
const DefaultDatabasePath = "./data/streamer.db"

// CacheOff says whether CACHE_ENABLED=false turned every cache off.
func (c Config) CacheOff() bool { return c.CacheEnabled != nil && !*c.CacheEnabled }

// Cloudflare reports whether the configuration names a Cloudflare account.
func (c Config) Cloudflare() bool { return c.CFAccountID != "" || c.R1APIToken != "" }

// DatabasePath is the local SQLite file of the embedded default.
func (c Config) DatabasePath() string {
	if c.R1Database == "" {
		return DefaultDatabasePath
	}
	return c.R1Database
}

// ListenAddr is ADDR, else ":"+PORT, else ":8080".
func (c Config) ListenAddr() string {
	switch {
	case c.Addr != "":
		return c.Addr
	case c.Port != "":
		return ":" + c.Port
	}
	return ":8080"
}

// LoadConfig reads .env files (beside the binary, then in the working directory; variables already
// in the environment win) and the environment, and checks everything at once. The error has one line
// per problem, each naming its variable.
func LoadConfig() (Config, error) {
	for _, f := range dotenvFiles() {
		if err := godotenv.Load(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return Config{}, fmt.Errorf("%s: %v", f, err)
		}
	}
	var cfg Config
	if err := env.Parse(&cfg); err != nil {
		return Config{}, describeParseErrors(err)
	}
	if cfg.AuthSecret == "" {
		cfg.AuthSecret = cfg.BetterAuthSecret
	}
	return cfg, cfg.Validate()
}

// describeParseErrors rewrites the env library's errors, which name Go fields, into one line per
// variable: "SAMPLE_DATA="perhaps": must be a bool".
func describeParseErrors(err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return err
	}
	var lines []string
	for _, e := range agg.Errors {
		var pe env.ParseError
		if !errors.As(e, &pe) {
			lines = append(lines, e.Error())
			continue
		}
		name := pe.Name
		if f, ok := reflect.TypeOf(Config{}).FieldByName(pe.Name); ok {
			name = f.Tag.Get("env")
		}
		lines = append(lines, fmt.Sprintf("%s=%q: must be a %s", name, os.Getenv(name), pe.Type))
	}
	return errors.New(strings.Join(lines, "\n"))
}

func dotenvFiles() []string {
	var files []string
	if exe, err := os.Executable(); err == nil {
		files = append(files, filepath.Join(filepath.Dir(exe), ".env"))
	}
	if wd, err := os.Getwd(); err == nil {
		f := filepath.Join(wd, ".env")
		if len(files) == 0 || files[0] != f {
			files = append(files, f)
		}
	}
	return files
}

// Validate checks the configuration and returns every problem, one line each.
func (c Config) Validate() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		add("LOG_LEVEL=%q: must be debug, info, warn or error", c.LogLevel)
	}
	switch strings.ToLower(c.LogFormat) {
	case "json", "text":
	default:
		add("LOG_FORMAT=%q: must be json or text", c.LogFormat)
	}
	if c.Addr != "" {
		if _, port, err := net.SplitHostPort(c.Addr); err != nil || !validPort(port) {
			add("ADDR=%q: must be host:port or :port, the port from 1 to 65535", c.Addr)
		}
	}
	if c.Port != "" && !validPort(c.Port) {
		add("PORT=%q: must be a number from 1 to 65535", c.Port)
	}
	if c.CFAccountID != "" && c.R1APIToken == "" {
		add("R1_API_TOKEN is not set: with CF_ACCOUNT_ID set the service needs the API token too")
	}
	if c.R1APIToken != "" && c.CFAccountID == "" {
		add("CF_ACCOUNT_ID is not set: with R1_API_TOKEN set the service needs the account id too")
	}
	if c.CFAPIBaseURL != "" {
		if u, err := url.Parse(c.CFAPIBaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			add("CF_API_BASE_URL=%q: must be an http(s) URL such as https://api.cloudflare.com/client/v4", c.CFAPIBaseURL)
		}
	}
	if !c.Cloudflare() {
		// Without credentials these would be silently ignored, or worse: R1_DATABASE=streamer would
		// open a local file named "streamer".
		if c.KVNamespaceID != "" {
			add("KV_NAMESPACE_ID is set but CF_ACCOUNT_ID and R1_API_TOKEN are not: the shared cache is on Cloudflare; set them, or unset KV_NAMESPACE_ID")
		}
		if c.CFAPIBaseURL != "" {
			add("CF_API_BASE_URL is set but CF_ACCOUNT_ID and R1_API_TOKEN are not: set them, or unset CF_API_BASE_URL")
		}
		if c.R1Database != "" && looksLikeD1Name(c.R1Database) {
			add("R1_DATABASE=%q looks like a D1 database name but CF_ACCOUNT_ID and R1_API_TOKEN are not set: set them, or name a local file with a path or an extension (./data/streamer.db)", c.R1Database)
		}
	}
	if c.Cloudflare() && c.R1Database == "" {
		add("R1_DATABASE is not set: with Cloudflare credentials it names the D1 database (name or UUID)")
	}
	if c.AuthSecret != "" && len(c.AuthSecret) < 32 {
		add("AUTH_SECRET: must be at least 32 characters (generate one with: openssl rand -hex 32)")
	}
	switch c.CookieSecure {
	case "", "auto", "always":
	default:
		add("COOKIE_SECURE=%q: must be auto or always", c.CookieSecure)
	}
	if err := c.restOptions().Validate(); err != nil {
		add("%v", err)
	}
	if c.ClientIPHeader != "" {
		if len(c.TrustedProxies) == 0 {
			add("CLIENT_IP_HEADER=%q is set but TRUSTED_PROXIES is not: the header is believed only from trusted proxies; name them (Cloudflare's ranges behind Cloudflare)", c.ClientIPHeader)
		}
		if !validHeaderName(c.ClientIPHeader) {
			add("CLIENT_IP_HEADER=%q: must be a header name such as CF-Connecting-IP or X-Forwarded-For", c.ClientIPHeader)
		}
	}
	_, limitProblems := c.rateLimits()
	problems = append(problems, limitProblems...)
	if longest := c.restOptions().LongestRequest(); c.shutdownGrace() < longest {
		add("SHUTDOWN_TIMEOUT=%v: must be at least the longest request's deadline (%v), or SIGTERM would cut requests off", c.ShutdownTimeout, longest)
	}
	if c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || !validPort(port) {
			add("METRICS_ADDR=%q: must be host:port or :port, the port from 1 to 65535 (127.0.0.1:9090)", c.MetricsAddr)
		} else if c.MetricsAddr == c.ListenAddr() {
			add("METRICS_ADDR=%q: must differ from the API's address", c.MetricsAddr)
		}
	}
	if c.Pprof && c.MetricsAddr == "" {
		add("PPROF=true: needs METRICS_ADDR (the profiles are served there only, never on the API's address)")
	}
	if c.SearchBudget != 0 && (c.SearchBudget < 100*time.Millisecond || c.SearchBudget > 25*time.Second) {
		add("SEARCH_BUDGET=%v: must be from 100ms to 25s (D1 stops a query at 30 s)", c.SearchBudget)
	}
	if c.ActivityRetention != 0 && c.ActivityRetention < 24*time.Hour {
		add("ACTIVITY_RETENTION=%v: must be at least 24h (default 4320h, 180 days)", c.ActivityRetention)
	}
	if c.MaxConnections < 0 {
		add("MAX_CONNECTIONS=%d: must be a positive number (unset: %d, or what the open-file limit allows)", c.MaxConnections, rest.DefaultMaxConnections)
	}
	if c.MaxConnectionsPerClient < 0 {
		add("MAX_CONNECTIONS_PER_CLIENT=%d: must be a positive number (unset: %d)", c.MaxConnectionsPerClient, rest.DefaultMaxConnectionsPerClient)
	}
	if c.IngestAPIKey != "" && len(c.IngestAPIKey) < 16 {
		add("INGEST_API_KEY: must be at least 16 characters")
	}
	if c.CacheMaxMiB < 0 || c.CacheMaxMiB > 1<<16 {
		add("CACHE_MAX_MIB=%d: must be from 1 to 65536 (MiB)", c.CacheMaxMiB)
	}
	if len(problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(problems, "\n"))
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

func validHeaderName(h string) bool {
	for _, r := range h {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return h != ""
}

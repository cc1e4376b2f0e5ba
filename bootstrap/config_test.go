package bootstrap

import (
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/rest"
)

func TestAnEmptyConfigurationIsTheEmbeddedDefault(t *testing.T) {
	c := Config{LogLevel: "info", LogFormat: "text"}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Cloudflare() || c.DatabasePath() != DefaultDatabasePath || c.ListenAddr() != ":8080" {
		t.Fatalf("cloudflare=%v path=%s addr=%s", c.Cloudflare(), c.DatabasePath(), c.ListenAddr())
	}
	if (Config{Port: "9000"}).ListenAddr() != ":9000" || (Config{Addr: "127.0.0.1:1", Port: "2"}).ListenAddr() != "127.0.0.1:1" {
		t.Fatal("ADDR wins over PORT, PORT over the default")
	}
}

func TestEveryProblemIsOneLineNamingItsVariable(t *testing.T) {
	c := Config{
		LogLevel: "loud", LogFormat: "xml", Addr: "nonsense", Port: "99999",
		CFAccountID: "acc", AuthSecret: "short", IngestAPIKey: "k", CFAPIBaseURL: "127.0.0.1:8787/client/v4",
	}
	err := c.Validate()
	if err == nil {
		t.Fatal("accepted")
	}
	lines := strings.Split(err.Error(), "\n")
	for _, want := range []string{"LOG_LEVEL", "LOG_FORMAT", "ADDR", "PORT", "R1_API_TOKEN", "R1_DATABASE", "AUTH_SECRET", "INGEST_API_KEY", "CF_API_BASE_URL"} {
		found := false
		for _, l := range lines {
			if strings.HasPrefix(l, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("no line starts with %s in:\n%s", want, err)
		}
	}
	if len(lines) != 9 {
		t.Errorf("%d lines, want 9:\n%s", len(lines), err)
	}
}

func TestLoadConfigReadsTheEnvironmentAndTheSeedsSecretName(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("BETTER_AUTH_SECRET", strings.Repeat("s", 32))
	t.Setenv("PORT", "8181")
	t.Setenv("SAMPLE_DATA", "true")
	c, err := LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if c.AuthSecret != strings.Repeat("s", 32) || c.ListenAddr() != ":8181" || !c.SampleData {
		t.Fatalf("%+v", c)
	}
	t.Setenv("SAMPLE_DATA", "perhaps")
	if _, err := LoadConfig(); err == nil || !strings.Contains(err.Error(), "SAMPLE_DATA") {
		t.Fatalf("a malformed boolean: %v", err)
	}
}

// What the configuration cannot honour is refused at start, naming the variable. Before, each of
// these started: KV_NAMESPACE_ID and CF_API_BASE_URL were ignored without credentials,
// R1_DATABASE=streamer opened a local file named "streamer", PORT=0 listened on a random port, and
// the 20 s shutdown grace cut off a 30 s ingest.
func TestWhatCannotBeHonouredIsRefused(t *testing.T) {
	base := Config{LogLevel: "info", LogFormat: "text"}
	for _, c := range []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"KV without credentials", func(c *Config) { c.KVNamespaceID = "ns" }, "KV_NAMESPACE_ID"},
		{"a gateway without credentials", func(c *Config) { c.CFAPIBaseURL = "http://127.0.0.1:8787/client/v4" }, "CF_API_BASE_URL"},
		{"a D1 name without credentials", func(c *Config) { c.R1Database = "streamer" }, "R1_DATABASE"},
		{"a D1 UUID without credentials", func(c *Config) { c.R1Database = "0f2c1a52-4b7e-4a55-9d5e-6f3c2b1a0e9d" }, "R1_DATABASE"},
		{"port 0", func(c *Config) { c.Port = "0" }, "PORT"},
		{"ADDR on port 0", func(c *Config) { c.Addr = "127.0.0.1:0" }, "ADDR"},
		{"a grace shorter than a request", func(c *Config) { c.ShutdownTimeout = 20 * time.Second }, "SHUTDOWN_TIMEOUT"},
		{"a client header without proxies", func(c *Config) { c.ClientIPHeader = "CF-Connecting-IP" }, "CLIENT_IP_HEADER"},
		{"a malformed header name", func(c *Config) { c.ClientIPHeader = "X Real IP"; c.TrustedProxies = []string{"10.0.0.0/8"} }, "CLIENT_IP_HEADER"},
		{"a malformed rate limit", func(c *Config) { c.RateLimitSignInPerIP = "20 a minute" }, "RATE_LIMIT_SIGN_IN_PER_IP"},
		{"a rate limit window under a second", func(c *Config) { c.RateLimitIngestPerKey = "5/10ms" }, "RATE_LIMIT_INGEST_PER_KEY"},
		{"metrics on no port", func(c *Config) { c.MetricsAddr = "localhost" }, "METRICS_ADDR"},
		{"metrics on the API's address", func(c *Config) { c.MetricsAddr = ":8080" }, "METRICS_ADDR"},
		{"profiles without their own address", func(c *Config) { c.Pprof = true }, "PPROF"},
		{"a search budget past D1's", func(c *Config) { c.SearchBudget = time.Minute }, "SEARCH_BUDGET"},
		{"a retention under a day", func(c *Config) { c.ActivityRetention = time.Hour }, "ACTIVITY_RETENTION"},
	} {
		cfg := base
		c.change(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v; want one line starting with %s", c.name, err, c.want)
		}
	}
	for _, ok := range []func(*Config){
		func(c *Config) { c.R1Database = "./data/streamer.db" },
		func(c *Config) { c.R1Database = "streamer.db" },
		func(c *Config) { c.ShutdownTimeout = 30 * time.Second },
		func(c *Config) { c.ClientIPHeader = "CF-Connecting-IP"; c.TrustedProxies = []string{"173.245.48.0/20"} },
		func(c *Config) { c.RateLimitSignInPerIP = "100/1m"; c.RateLimitSignUpPerIP = "off" },
	} {
		cfg := base
		ok(&cfg)
		if err := cfg.Validate(); err != nil {
			t.Errorf("%+v refused: %v", cfg, err)
		}
	}
}

func TestRateLimitsAndTheClientHeaderReachTheServer(t *testing.T) {
	c := Config{LogLevel: "info", LogFormat: "text", ClientIPHeader: "CF-Connecting-IP", TrustedProxies: []string{"10.0.0.1"},
		RateLimitSignInPerIP: "7/30s", RateLimitSignUpPerIP: "off"}
	opts := c.restOptions()
	if opts.ClientIPHeader != "CF-Connecting-IP" || opts.RateLimits.SignInPerIP != (rest.RateLimit{Max: 7, Window: 30 * time.Second}) ||
		opts.RateLimits.SignUpPerIP.Max != -1 || opts.RateLimits.IngestPerKey != (rest.RateLimit{}) {
		t.Fatalf("%+v", opts)
	}
}

func TestCacheEnabledFalseTurnsTheCacheOff(t *testing.T) {
	t.Chdir(t.TempDir())
	if c, err := LoadConfig(); err != nil || c.CacheOff() {
		t.Fatalf("unset: off %v, %v", c.CacheOff(), err)
	}
	t.Setenv("CACHE_ENABLED", "false")
	if c, err := LoadConfig(); err != nil || !c.CacheOff() || c.restOptions().NoResponseCache != true {
		t.Fatalf("CACHE_ENABLED=false: off %v, %v", c.CacheOff(), err)
	}
	t.Setenv("CACHE_ENABLED", "true")
	if c, err := LoadConfig(); err != nil || c.CacheOff() {
		t.Fatalf("CACHE_ENABLED=true: off %v, %v", c.CacheOff(), err)
	}
	t.Setenv("CACHE_ENABLED", "perhaps")
	if _, err := LoadConfig(); err == nil || !strings.Contains(err.Error(), "CACHE_ENABLED") {
		t.Fatalf("a malformed boolean: %v", err)
	}
}

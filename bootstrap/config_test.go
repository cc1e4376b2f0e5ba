package bootstrap

import (
	"strings"
	"testing"
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

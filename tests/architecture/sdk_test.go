package architecture

import (
	"os/exec"
	"strings"
	"testing"
)

// cloudflareSDKRoot is the Cloudflare SDK's root package. It imports every Cloudflare service (over a
// hundred packages): importing it made a cold build take minutes and the binary 85 MB. The project
// uses the service packages alone (d1, kv, option, shared), through adapters/cfapi.
const cloudflareSDKRoot = "github.com/cloudflare/cloudflare-go/v7"

func TestNoPackageBuildsTheWholeCloudflareSDK(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-test", "./...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list found only %d packages", len(deps))
	}
	for _, dep := range deps {
		if dep == cloudflareSDKRoot {
			t.Fatalf("a package (or its test) depends on %s: import its service packages (d1, kv, option, shared) instead", cloudflareSDKRoot)
		}
	}
}

package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/cloudflare/cloudflare-go/v7/option"

	"github.com/torrent-streamer/streamer/tests/servicebin"
)

// TestMain lets every test that runs the built binary share one build (servicebin).
func TestMain(m *testing.M) { os.Exit(servicebin.Run(m)) }

// cfOption makes a client call keep the answer's raw body.
func cfOption(raw *[]byte) option.RequestOption { return option.WithResponseBodyInto(raw) }

// queryRows reads the rows of the first result of a D1 query answer.
func queryRows(raw []byte) ([]map[string]any, error) {
	var answer struct {
		Result []struct {
			Results []map[string]any `json:"results"`
		} `json:"result"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil {
		return nil, err
	}
	if len(answer.Result) == 0 {
		return nil, fmt.Errorf("no result in %s", raw)
	}
	return answer.Result[0].Results, nil
}

func getJSON(req *http.Request, into any) error {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(body))
	}
	return json.Unmarshal(body, into)
}

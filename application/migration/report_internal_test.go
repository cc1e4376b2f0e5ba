package migration

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// A skip's reason is bounded: encoding/json's message quotes a number whole, so one NDJSON line
// holding a 4 MiB number made a 4 MiB reason, printed by the report and written to --report's
// file (up to MaxReasons of them). Regression test: fails before the bound (the reason kept whole).
func TestASkipsReasonIsBounded(t *testing.T) {
	var k KindReport
	long := "not a JSON object in ingest's shape: json: cannot unmarshal number 1" + strings.Repeat("0", 4<<20) + " into Go struct field"
	k.skip("000000000001", long)
	k.skip("000000000002", strings.Repeat("é", MaxReasonBytes)) // two bytes a character: cut inside none
	k.skip("000000000003", "short")
	for _, r := range k.Reasons[:2] {
		if len(r.Reason) > MaxReasonBytes || !utf8.ValidString(r.Reason) || !strings.HasSuffix(r.Reason, "…") {
			t.Errorf("%s: a long reason kept as %d bytes (valid UTF-8: %v, cut marked: %v)", r.Key, len(r.Reason), utf8.ValidString(r.Reason), strings.HasSuffix(r.Reason, "…"))
		}
	}
	if !strings.HasPrefix(k.Reasons[0].Reason, "not a JSON object in ingest's shape: json: cannot unmarshal number 1000") {
		t.Errorf("the reason's start is lost: %.80q", k.Reasons[0].Reason)
	}
	if k.Reasons[2].Reason != "short" || k.Skipped != 3 {
		t.Errorf("a short reason: %q, skipped %d", k.Reasons[2].Reason, k.Skipped)
	}
}

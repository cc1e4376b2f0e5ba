package argon2id

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestHashIsAStandardPHCStringThatVerifies(t *testing.T) {
	h, err := New(OWASP, 2)
	if err != nil {
		t.Fatal(err)
	}
	encoded, err := h.Hash(context.Background(), "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(encoded, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Count(encoded, "$") != 5 {
		t.Fatalf("not a PHC string: %s", encoded)
	}
	ok, err := h.Verify(context.Background(), encoded, "correct horse battery staple")
	if err != nil || !ok {
		t.Fatalf("verify = %v, %v", ok, err)
	}
	ok, err = h.Verify(context.Background(), encoded, "correct horse battery stapl")
	if err != nil || ok {
		t.Fatalf("wrong password verified: %v, %v", ok, err)
	}
	again, _ := h.Hash(context.Background(), "correct horse battery staple")
	if again == encoded {
		t.Fatal("two hashes of one password must differ (fresh salt)")
	}
}

func TestVerifyUsesTheParametersOfTheStoredString(t *testing.T) {
	strong, _ := New(Params{Memory: 32 * 1024, Iterations: 3, Parallelism: 2, SaltLength: 16, KeyLength: 32}, 1)
	encoded, _ := strong.Hash(context.Background(), "pässwörd ✓")
	def, _ := New(OWASP, 1)
	if ok, err := def.Verify(context.Background(), encoded, "pässwörd ✓"); err != nil || !ok {
		t.Fatalf("verify with other defaults = %v, %v", ok, err)
	}
}

func TestMalformedOrHostileStringsAreErrors(t *testing.T) {
	h, _ := New(OWASP, 1)
	for _, s := range []string{
		"", "plain", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=19456,t=1000,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=19456,t=2,p=1$!!$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$",
	} {
		if ok, err := h.Verify(context.Background(), s, "x"); err == nil || ok {
			t.Errorf("Verify(%q) = %v, %v; want an error", s, ok, err)
		}
	}
}

func TestParametersBelowOWASPAreRefused(t *testing.T) {
	if _, err := New(Params{Memory: 8 * 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}, 1); err == nil {
		t.Fatal("weak parameters accepted")
	}
}

// A verification waiting for a slot gives up when its request does: before, it waited for the
// slot whatever the context said, so every abandoned guess still cost a full derivation.
func TestVerifyWaitingForASlotHonoursTheContext(t *testing.T) {
	h, err := New(OWASP, 1)
	if err != nil {
		t.Fatal(err)
	}
	encoded, err := h.Hash(context.Background(), "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	h.slots <- struct{}{} // the only slot is busy
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := h.Verify(ctx, encoded, "correct horse battery staple")
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Verify with a cancelled context while waiting = %v; want context.Canceled", err)
	}
	if _, err := h.Hash(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Hash with a cancelled context = %v; want context.Canceled", err)
	}
	<-h.slots
	if ok, err := h.Verify(context.Background(), encoded, "correct horse battery staple"); err != nil || !ok {
		t.Fatalf("Verify after the slot freed = %v, %v", ok, err)
	}
}

func BenchmarkHash(b *testing.B) {
	h, _ := New(OWASP, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(context.Background(), "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	h, _ := New(OWASP, 1)
	encoded, _ := h.Hash(context.Background(), "correct horse battery staple")
	b.ReportAllocs()
	for b.Loop() {
		if ok, _ := h.Verify(context.Background(), encoded, "correct horse battery staple"); !ok {
			b.Fatal("no match")
		}
	}
}

package contract

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// APIKeysHarness makes the stores RunAPIKeyRepository tests.
type APIKeysHarness struct {
	Name string
	// New returns a fresh, empty store's users and API keys. Subtests run in parallel.
	New func(t *testing.T) (ports.UserRepository, ports.APIKeyRepository)
}

func keyHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func apiKey(id, userID, name string, created time.Time) domain.APIKey {
	return domain.APIKey{ID: id, UserID: userID, Name: name, Hash: keyHash("key:" + id), CreatedAt: created}
}

// RunAPIKeyRepository runs the ports.APIKeyRepository contract against h.
func RunAPIKeyRepository(t *testing.T, h APIKeysHarness) {
	setup := func(t *testing.T) (ports.APIKeyRepository, domain.User, domain.User, ports.UserRepository) {
		users, keys := h.New(t)
		a, b := accountUser("keyholder"), accountUser("other")
		for _, u := range []domain.User{a, b} {
			if err := users.Create(t.Context(), u, firstSession(u)); err != nil {
				t.Fatalf("create user: %v", err)
			}
		}
		return keys, a, b, users
	}
	t.Run(h.Name, func(t *testing.T) {
		t.Run("CreateListGetDelete", func(t *testing.T) {
			t.Parallel()
			keys, a, b, users := setup(t)
			k1 := apiKey("k1", a.ID, "Sonarr", accountsEpoch.Add(1700*time.Millisecond))
			k2 := apiKey("k2", a.ID, "Radarr", accountsEpoch.Add(5*time.Second))
			k3 := apiKey("k3", b.ID, "Prowlarr", accountsEpoch)
			for _, k := range []domain.APIKey{k2, k1, k3} {
				if err := keys.Create(t.Context(), k, 25); err != nil {
					t.Fatalf("Create %s: %v", k.ID, err)
				}
			}
			list, err := keys.List(t.Context(), a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 || list[0].ID != "k1" || list[1].ID != "k2" {
				t.Fatalf("List = %+v, want k1, k2 (oldest first, only the user's)", list)
			}
			if !list[0].CreatedAt.Equal(accountsEpoch.Add(time.Second)) || list[0].Name != "Sonarr" || list[0].Hash != k1.Hash || !list[0].LastUsedAt.IsZero() {
				t.Errorf("stored key %+v (times in whole seconds, rounded down; never used)", list[0])
			}
			got, err := keys.ByHash(t.Context(), k3.Hash)
			if err != nil || got.ID != "k3" || got.UserID != b.ID {
				t.Fatalf("ByHash = %+v, %v", got, err)
			}
			if _, err := keys.ByHash(t.Context(), keyHash("unknown")); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("ByHash(unknown) = %v", err)
			}
			used := accountsEpoch.Add(time.Hour + 300*time.Millisecond)
			if err := keys.Touch(t.Context(), "k1", used); err != nil {
				t.Fatal(err)
			}
			if got, _ := keys.ByHash(t.Context(), k1.Hash); !got.LastUsedAt.Equal(accountsEpoch.Add(time.Hour)) {
				t.Errorf("LastUsedAt = %v after Touch", got.LastUsedAt)
			}
			// Another user's key is not found, and stays.
			if _, err := keys.Delete(t.Context(), a.ID, "k3"); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("Delete of another user's key = %v", err)
			}
			deleted, err := keys.Delete(t.Context(), a.ID, "k1")
			if err != nil || deleted.Hash != k1.Hash {
				t.Fatalf("Delete = %+v, %v", deleted, err)
			}
			if _, err := keys.ByHash(t.Context(), k1.Hash); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("a deleted key is still found: %v", err)
			}
			if _, err := keys.Delete(t.Context(), a.ID, "k1"); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("a second Delete = %v", err)
			}
			if _, err := keys.ByHash(t.Context(), k3.Hash); err != nil {
				t.Errorf("the other user's key went: %v", err)
			}
			// A deleted user's keys go with it.
			if _, err := users.Delete(t.Context(), a.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := keys.ByHash(t.Context(), k2.Hash); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("a deleted user's key is still found: %v", err)
			}
		})
		t.Run("UnknownUser", func(t *testing.T) {
			t.Parallel()
			keys, _, _, _ := setup(t)
			if err := keys.Create(t.Context(), apiKey("x", "no-such-user", "x", accountsEpoch), 25); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("Create for an unknown user = %v", err)
			}
		})
		t.Run("AtMostMax", func(t *testing.T) {
			t.Parallel()
			keys, a, _, _ := setup(t)
			const max = 3
			var wg sync.WaitGroup
			errs := make([]error, 8)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = keys.Create(t.Context(), apiKey(fmt.Sprint("c", i), a.ID, "n", accountsEpoch), max)
				}()
			}
			wg.Wait()
			created := 0
			for _, err := range errs {
				switch {
				case err == nil:
					created++
				case !errors.Is(err, domain.ErrConflict):
					t.Errorf("Create past the maximum = %v, want a conflict", err)
				}
			}
			list, _ := keys.List(t.Context(), a.ID)
			if created != max || len(list) != max {
				t.Errorf("%d created, %d stored, want %d", created, len(list), max)
			}
		})
	})
}

package contract_test

import (
	"testing"

	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/ports"
	"github.com/torrent-streamer/streamer/tests/contract"
)

func memoryAccounts() contract.AccountsHarness {
	return contract.AccountsHarness{
		Name: "memory",
		New: func(t *testing.T) (ports.UserRepository, ports.SessionRepository, ports.ActivityRepository) {
			a := memory.NewAccounts(nil)
			return a.Users(), a.Sessions(), a.Activities()
		},
	}
}

func TestMemoryUserRepository(t *testing.T) {
	t.Parallel()
	contract.RunUserRepository(t, memoryAccounts())
}

func TestMemorySessionRepository(t *testing.T) {
	t.Parallel()
	contract.RunSessionRepository(t, memoryAccounts())
}

func TestMemoryActivityRepository(t *testing.T) {
	t.Parallel()
	contract.RunActivityRepository(t, memoryAccounts())
}

func TestMemoryAPIKeyRepository(t *testing.T) {
	t.Parallel()
	contract.RunAPIKeyRepository(t, contract.APIKeysHarness{
		Name: "memory",
		New: func(t *testing.T) (ports.UserRepository, ports.APIKeyRepository) {
			a := memory.NewAccounts(nil)
			return a.Users(), a.APIKeys()
		},
	})
}

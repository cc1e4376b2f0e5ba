package rest

import (
	"github.com/gofiber/fiber/v2"

	"github.com/torrent-streamer/streamer/application/accounts"
	"github.com/torrent-streamer/streamer/domain"
)

// Personal API keys: made, listed and revoked with a session only (require refuses a key).

const apiKeysPath = "/api/auth/api-keys"

type apiKeyCreateRequest struct {
	Name string `json:"name" validate:"required,max=400"`
}

type apiKeyCreatedDTO struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Key       string `json:"key"`
	CreatedAt string `json:"createdAt"`
}

// apiKeyDTO is a listed key; lastUsedAt is "" until the key is first used.
type apiKeyDTO struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	CreatedAt  string `json:"createdAt"`
	LastUsedAt string `json:"lastUsedAt"`
}

type apiKeyListResponse struct {
	Items []apiKeyDTO `json:"items"`
}

func (s *server) apiKeyRoutes(h *accountHandlers, deadline fiber.Handler) {
	requireSession := s.sessions.require
	s.route(fiber.MethodPost, apiKeysPath, maxBody, handlers(noStore, requireSession, requireJSON, deadline, h.createAPIKey)...)
	s.route(fiber.MethodGet, apiKeysPath, maxBody, noStore, requireSession, h.listAPIKeys)
	s.route(fiber.MethodDelete, apiKeysPath+"/:id", maxBody, noStore, requireSession, deadline, h.revokeAPIKey)
}

func (h *accountHandlers) createAPIKey(c *fiber.Ctx) error {
	p, err := principal(c)
	if err != nil {
		return err
	}
	var req apiKeyCreateRequest
	if err := decodeBody(c.Request().Body(), &req); err != nil {
		return err
	}
	if err := check(&req); err != nil {
		return err
	}
	k, err := h.accounts.CreateAPIKey(c.UserContext(), p, req.Name)
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusCreated, apiKeyCreatedDTO{ID: k.ID, Name: k.Name, Key: k.Key, CreatedAt: timestamp(k.CreatedAt)})
}

func (h *accountHandlers) listAPIKeys(c *fiber.Ctx) error {
	p, err := principal(c)
	if err != nil {
		return err
	}
	keys, err := h.accounts.ListAPIKeys(c.UserContext(), p)
	if err != nil {
		return err
	}
	out := apiKeyListResponse{Items: make([]apiKeyDTO, len(keys))}
	for i, k := range keys {
		out.Items[i] = apiKeyDTO{ID: k.ID, Name: k.Name, CreatedAt: timestamp(k.CreatedAt)}
		if !k.LastUsedAt.IsZero() {
			out.Items[i].LastUsedAt = timestamp(k.LastUsedAt)
		}
	}
	return writeJSON(c, fiber.StatusOK, out)
}

func (h *accountHandlers) revokeAPIKey(c *fiber.Ctx) error {
	p, err := principal(c)
	if err != nil {
		return err
	}
	id := c.Params("id")
	if id == "" || len(id) > 64 {
		return domain.ErrNotFound
	}
	if err := h.accounts.RevokeAPIKey(c.UserContext(), p, id); err != nil {
		return err
	}
	c.Status(fiber.StatusNoContent)
	return nil
}

// errKeyNotASession is the 401 of an account route called with a personal API key.
var errKeyNotASession = &requestError{problem{
	status: fiber.StatusUnauthorized, code: codeUnauthenticated,
	detail: "A personal API key does not authenticate account routes: sign in and send the session token.",
}}

// authenticateKey resolves a bearer API key for a read route; see sessionAuth.optional.
func (a *sessionAuth) authenticateKey(c *fiber.Ctx, key string) (accounts.Principal, error) {
	return a.accounts.AuthenticateAPIKey(c.UserContext(), key)
}

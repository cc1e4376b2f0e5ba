package rest

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/torrent-streamer/streamer/application/accounts"
	"github.com/torrent-streamer/streamer/application/activity"
	"github.com/torrent-streamer/streamer/domain"
)

// accountHandlers serve /api/auth: sign-up, sign-in, the caller's profile, logout and activity.
type accountHandlers struct {
	accounts *accounts.Service
	activity *activity.Lister
	sessions *sessionAuth
}

// The sign-in body, decoded once before the per-email limit, which keys on it; the profile update's,
// decoded once before the current-password limits, which count only the requests that carry one.
const (
	localsSignIn        = "rest.signIn"
	localsProfileUpdate = "rest.profileUpdate"
	localsDeleteAccount = "rest.deleteAccount"
)

func (s *server) accountRoutes(svc *accounts.Service, lister *activity.Lister) {
	h := &accountHandlers{accounts: svc, activity: lister, sessions: s.sessions}
	byIP := s.clientIP.of
	signUpPerIP := rateLimiter(s.limits.SignUpPerIP, "sign-up/ip:", byIP)
	signInPerIP := rateLimiter(s.limits.SignInPerIP, "sign-in/ip:", byIP)
	signInPerEmail := rateLimiter(s.limits.SignInPerEmail, "sign-in/email:", signInEmailKey)
	// A current password is a password guess like a sign-in: it is limited by the sign-in limits,
	// per address and per account (counters of their own).
	// The counters are shared by the routes that take one (PUT and DELETE /api/auth/me).
	guessesCurrentPassword := func(c *fiber.Ctx) bool {
		if req, _ := c.Locals(localsProfileUpdate).(*profileUpdateRequest); req != nil {
			return req.CurrentPassword != ""
		}
		req, _ := c.Locals(localsDeleteAccount).(*deleteAccountRequest)
		return req != nil && req.CurrentPassword != ""
	}
	passwordPerIP := rateLimiterWhen(s.limits.SignInPerIP, "password/ip:", byIP, guessesCurrentPassword)
	passwordPerUser := rateLimiterWhen(s.limits.SignInPerEmail, "password/user:", principalUserID, guessesCurrentPassword)
	deadline := withDeadline(s.requestTimeout)
	requireSession := s.sessions.require

	// Limits come first, so a refused client costs no password hash and learns nothing of the
	// body rules; the per-email limit needs the body, so it follows the decoding.
	s.route(fiber.MethodPost, "/api/auth/sign-up", maxBody,
		handlers(noStore, signUpPerIP, requireJSON, deadline, h.signUp)...)
	s.route(fiber.MethodPost, "/api/auth/sign-in", maxBody,
		handlers(noStore, signInPerIP, requireJSON, decodeSignIn, signInPerEmail, deadline, h.signIn)...)
	s.route(fiber.MethodGet, "/api/auth/me", maxBody, noStore, requireSession, h.me)
	s.route(fiber.MethodPut, "/api/auth/me", maxBody,
		handlers(noStore, requireSession, requireJSON, decodeProfileUpdate, passwordPerIP, passwordPerUser, deadline, h.updateMe)...)
	s.route(fiber.MethodPost, "/api/auth/logout", maxBody, noStore, requireSession, deadline, h.logout)
	s.route(fiber.MethodDelete, "/api/auth/me", maxBody,
		handlers(noStore, requireSession, requireJSON, decodeDeleteAccount, passwordPerIP, passwordPerUser, deadline, h.deleteMe)...)
	if lister != nil {
		s.route(fiber.MethodGet, "/api/auth/me/activity", maxBody, noStore, requireSession, h.listActivity)
	}
	s.apiKeyRoutes(h, deadline)
}

// noStore keeps every account answer, tokens and personal details, out of every cache.
func noStore(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Next()
}

// Request bodies. The tags check presence and length, what the wire can get wrong on its face; the
// use cases check the rules and normalize (an email is trimmed and lowercased before its form is
// judged, so the tags leave its form to them).

type signUpRequest struct {
	Email    string `json:"email" validate:"required,max=254"`
	Password string `json:"password" validate:"required,min=8,max=128"`
	Name     string `json:"name" validate:"required,max=100"`
}

// signInRequest checks presence only: a malformed email is an unknown one, and answering it
// differently from a wrong password would tell which accounts exist.
type signInRequest struct {
	Email    string `json:"email" validate:"required,max=254"`
	Password string `json:"password" validate:"required,max=1024"`
}

// profileUpdateRequest changes what it holds; an absent or null field stays as it is.
type profileUpdateRequest struct {
	Name            *string `json:"name" validate:"omitnil,max=100"`
	Image           *string `json:"image" validate:"omitnil,max=2048"`
	Email           *string `json:"email" validate:"omitnil,max=254"`
	CurrentPassword string  `json:"currentPassword" validate:"max=1024"`
	NewPassword     *string `json:"newPassword" validate:"omitnil,min=8,max=128"`
}

// deleteAccountRequest confirms a deletion. A missing password is the use case's to refuse (403,
// as a wrong one), so the tag bounds only its length.
type deleteAccountRequest struct {
	CurrentPassword string `json:"currentPassword" validate:"max=1024"`
}

// activityQuery is the query string of GET /api/auth/me/activity.
type activityQuery struct {
	Limit  int    `query:"limit" validate:"min=1,max=100"`
	Cursor string `query:"cursor" validate:"max=64"`
}

// Response bodies: a user never carries its password hash, and a session token appears only in
// the answer that opened it.

type userDTO struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	Image     string `json:"image"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
}

type sessionDTO struct {
	Token     string `json:"token"`
	ExpiresAt string `json:"expiresAt"`
}

type signedResponse struct {
	User    userDTO    `json:"user"`
	Session sessionDTO `json:"session"`
}

type userResponse struct {
	User userDTO `json:"user"`
}

// activityDTO is one Activity. A search has no torrent: torrentId 0 and infoHash ""; a view has
// no query: "".
type activityDTO struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	TorrentID int64  `json:"torrentId"`
	InfoHash  string `json:"infoHash"`
	Query     string `json:"query"`
	CreatedAt string `json:"createdAt"`
}

type activityPageResponse struct {
	Items      []activityDTO `json:"items"`
	NextCursor string        `json:"nextCursor"`
}

func userOf(u domain.User) userDTO {
	return userDTO{ID: u.ID, Email: u.Email, Name: u.Name, Image: u.Image,
		CreatedAt: timestamp(u.CreatedAt), UpdatedAt: timestamp(u.UpdatedAt)}
}

func activityOf(a domain.Activity) activityDTO {
	dto := activityDTO{ID: a.ID, Type: string(a.Type), TorrentID: a.TorrentID, Query: a.Query, CreatedAt: timestamp(a.CreatedAt)}
	if !a.InfoHash.IsZero() {
		dto.InfoHash = a.InfoHash.String()
	}
	return dto
}

func (h *accountHandlers) signUp(c *fiber.Ctx) error {
	var req signUpRequest
	if err := decodeBody(c.Request().Body(), &req); err != nil {
		return err
	}
	if err := check(&req); err != nil {
		return err
	}
	signed, err := h.accounts.SignUp(c.UserContext(), accounts.SignUpRequest{Email: req.Email, Password: req.Password, Name: req.Name})
	if err != nil {
		return err
	}
	return h.answerSigned(c, fiber.StatusCreated, signed)
}

// decodeSignIn reads and checks the sign-in body, and keeps it for the per-email limit and the
// handler.
func decodeSignIn(c *fiber.Ctx) error {
	req := new(signInRequest)
	if err := decodeBody(c.Request().Body(), req); err != nil {
		return err
	}
	if err := check(req); err != nil {
		return err
	}
	c.Locals(localsSignIn, req)
	return c.Next()
}

// signInEmailKey counts attempts by email as the use case will read it (domain.NormalizeEmail), so
// the forms of one address share a count; one it refuses counts as typed, trimmed and lowercase.
func signInEmailKey(c *fiber.Ctx) string {
	req, _ := c.Locals(localsSignIn).(*signInRequest)
	if req == nil {
		return ""
	}
	if email, err := domain.NormalizeEmail(req.Email); err == nil {
		return email
	}
	return strings.ToLower(strings.TrimSpace(req.Email))
}

func (h *accountHandlers) signIn(c *fiber.Ctx) error {
	req, _ := c.Locals(localsSignIn).(*signInRequest)
	if req == nil {
		return errNoSignInBody // decodeSignIn always runs first; a bug, answered safely
	}
	signed, err := h.accounts.SignIn(c.UserContext(), req.Email, req.Password)
	if err != nil {
		return err
	}
	return h.answerSigned(c, fiber.StatusOK, signed)
}

var errNoSignInBody = &requestError{problem{status: fiber.StatusBadRequest, code: codeInvalidJSON,
	detail: "The body is empty: send a JSON object."}}

func (h *accountHandlers) answerSigned(c *fiber.Ctx, status int, signed accounts.Signed) error {
	h.sessions.setCookie(c, signed.Token, signed.ExpiresAt)
	return writeJSON(c, status, signedResponse{
		User:    userOf(signed.User),
		Session: sessionDTO{Token: signed.Token, ExpiresAt: timestamp(signed.ExpiresAt)},
	})
}

func (h *accountHandlers) me(c *fiber.Ctx) error {
	p, err := principal(c)
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, userResponse{User: userOf(p.User)})
}

// decodeProfileUpdate reads and checks the profile update, and keeps it for the current-password
// limits and the handler.
func decodeProfileUpdate(c *fiber.Ctx) error {
	req := new(profileUpdateRequest)
	if err := decodeBody(c.Request().Body(), req); err != nil {
		return err
	}
	if err := check(req); err != nil {
		return err
	}
	c.Locals(localsProfileUpdate, req)
	return c.Next()
}

// principalUserID keys a limit by the signed-in user (requireSession has run).
func principalUserID(c *fiber.Ctx) string {
	p, err := principal(c)
	if err != nil {
		return ""
	}
	return p.User.ID
}

func (h *accountHandlers) updateMe(c *fiber.Ctx) error {
	p, err := principal(c)
	if err != nil {
		return err
	}
	req, _ := c.Locals(localsProfileUpdate).(*profileUpdateRequest)
	if req == nil {
		return errNoSignInBody // decodeProfileUpdate always runs first; a bug, answered safely
	}
	user, err := h.accounts.UpdateProfile(c.UserContext(), p, accounts.ProfileUpdate{
		Name: req.Name, Image: req.Image, Email: req.Email,
		CurrentPassword: req.CurrentPassword, NewPassword: req.NewPassword,
	})
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, userResponse{User: userOf(user)})
}

func (h *accountHandlers) logout(c *fiber.Ctx) error {
	p, err := principal(c)
	if err != nil {
		return err
	}
	if err := h.accounts.Logout(c.UserContext(), p); err != nil {
		return err
	}
	h.sessions.clearCookie(c)
	c.Status(fiber.StatusNoContent)
	return nil
}

// decodeDeleteAccount reads and checks the deletion's body, and keeps it for the current-password
// limits and the handler.
func decodeDeleteAccount(c *fiber.Ctx) error {
	req := new(deleteAccountRequest)
	if err := decodeBody(c.Request().Body(), req); err != nil {
		return err
	}
	if err := check(req); err != nil {
		return err
	}
	c.Locals(localsDeleteAccount, req)
	return c.Next()
}

func (h *accountHandlers) deleteMe(c *fiber.Ctx) error {
	p, err := principal(c)
	if err != nil {
		return err
	}
	req, _ := c.Locals(localsDeleteAccount).(*deleteAccountRequest)
	if req == nil {
		return errNoSignInBody // decodeDeleteAccount always runs first; a bug, answered safely
	}
	if err := h.accounts.DeleteAccount(c.UserContext(), p, req.CurrentPassword); err != nil {
		return err
	}
	h.sessions.clearCookie(c)
	c.Status(fiber.StatusNoContent)
	return nil
}

func (h *accountHandlers) listActivity(c *fiber.Ctx) error {
	p, err := principal(c)
	if err != nil {
		return err
	}
	q, err := parseActivityQuery(c.Context().QueryArgs())
	if err != nil {
		return err
	}
	page, err := h.activity.List(c.UserContext(), p, q.Limit, q.Cursor)
	if err != nil {
		return err
	}
	items := make([]activityDTO, len(page.Items))
	for i, a := range page.Items {
		items[i] = activityOf(a)
	}
	return writeJSON(c, fiber.StatusOK, activityPageResponse{Items: items, NextCursor: page.NextCursor})
}

func parseActivityQuery(args *fasthttp.Args) (activityQuery, error) {
	q := activityQuery{Limit: domain.DefaultActivityPage}
	var r queryReader
	args.VisitAll(func(key, value []byte) {
		if len(value) == 0 {
			return
		}
		switch string(key) {
		case "limit":
			if r.once(bitLimit, "limit") {
				n, _ := r.uint("limit", value, maxPageNumber, msgLimit)
				q.Limit = int(n)
			}
		case "cursor":
			if r.once(bitCursor, "cursor") {
				q.Cursor = string(value)
			}
		}
	})
	return q, r.finish(check(&q))
}

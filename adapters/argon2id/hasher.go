package argon2id

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are Argon2id's cost parameters.
type Params struct {
	Memory      uint32 // KiB
	Iterations  uint32
	Parallelism uint8
	SaltLength  uint32
	KeyLength   uint32
}

// OWASP is OWASP's minimum recommendation for Argon2id: 19 MiB, 2 iterations, 1 lane.
var OWASP = Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// Limits on parameters read back from a stored hash, so a corrupt row cannot make one verification
// take a gigabyte or a minute.
const (
	maxMemory     = 256 * 1024
	maxIterations = 16
	maxKeyLength  = 128
)

// Hasher implements ports.PasswordHasher.
type Hasher struct {
	params Params
	slots  chan struct{}
}

// New returns a hasher with the given parameters, running at most concurrency hashes at once
// (0: the number of CPUs).
func New(params Params, concurrency int) (*Hasher, error) {
	if params.Memory < OWASP.Memory || params.Iterations < 1 || params.Parallelism < 1 {
		return nil, errors.New("argon2id: parameters below OWASP's minimum")
	}
	if params.SaltLength < 16 || params.KeyLength < 16 {
		return nil, errors.New("argon2id: salt and key must be at least 16 bytes")
	}
	if concurrency <= 0 {
		concurrency = runtime.NumCPU()
	}
	return &Hasher{params: params, slots: make(chan struct{}, concurrency)}, nil
}

// MemoryBound is the most the hasher's derivations hold at once: each its Memory, at most
// concurrency at a time (a hash read back with a costlier Memory, up to maxMemory, holds that).
func (h *Hasher) MemoryBound() int64 {
	return int64(h.params.Memory) << 10 * int64(cap(h.slots))
}

// Hash returns the PHC string of password with a fresh random salt:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>, both base64 without padding.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, h.params.SaltLength)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("argon2id: salt: %w", err)
	}
	key, err := h.derive(ctx, password, salt, h.params)
	if err != nil {
		return "", err
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.params.Memory, h.params.Iterations, h.params.Parallelism, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether password matches the PHC string encoded, comparing in constant time with
// the parameters the string names.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, err
	}
	got, err := h.derive(ctx, password, salt, p)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// derive waits for a slot (at most concurrency derivations run at once, each holding its memory)
// unless ctx ends first: a client that gave up, or a request past its deadline, frees its place in
// the queue instead of costing a derivation nobody will read.
func (h *Hasher) derive(ctx context.Context, password string, salt []byte, p Params) ([]byte, error) {
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-h.slots }()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength), nil
}

var errMalformed = errors.New("argon2id: malformed PHC string")

func decode(encoded string) (Params, []byte, []byte, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, errMalformed
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return Params{}, nil, nil, errors.New("argon2id: unsupported version")
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Iterations, &p.Parallelism); err != nil {
		return Params{}, nil, nil, errMalformed
	}
	if p.Memory == 0 || p.Memory > maxMemory || p.Iterations == 0 || p.Iterations > maxIterations || p.Parallelism == 0 {
		return Params{}, nil, nil, errors.New("argon2id: parameters out of range")
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return Params{}, nil, nil, errMalformed
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > maxKeyLength {
		return Params{}, nil, nil, errMalformed
	}
	p.SaltLength, p.KeyLength = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

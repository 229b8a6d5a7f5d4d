// Package secret seals credential properties with AES-256-GCM under a key only the sidecar holds.
// Ciphertexts carry the id of the key that sealed them, so keys can be rotated.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of an AES-256 key in bytes.
const KeySize = 32

// ErrNoKey means a ciphertext was sealed by a key this keyring does not hold.
var ErrNoKey = errors.New("secret: ciphertext sealed with an unknown key")

// Keyring seals with its primary key and opens with any key it holds.
type Keyring struct {
	primary string
	aeads   map[string]cipher.AEAD
}

// ParseKey decodes a 32-byte key given as standard or URL-safe base64, or as 64 hex digits.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("secret key must be %d bytes as base64 or hex (generate one with: openssl rand -base64 32)", KeySize)
}

// GenerateKey returns a new random key in base64.
func GenerateKey() string {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("secret: reading random bytes: %v", err))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// KeyID is the public identifier of a key: the first 8 bytes of its SHA-256, in hex.
func KeyID(key []byte) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:8])
}

// NewKeyring builds a keyring whose primary key seals; previous keys only open (for rotation).
func NewKeyring(primary string, previous ...string) (*Keyring, error) {
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	for i, s := range append([]string{primary}, previous...) {
		if s == "" {
			continue
		}
		raw, err := ParseKey(s)
		if err != nil {
			return nil, err
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, fmt.Errorf("secret: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("secret: %w", err)
		}
		id := KeyID(raw)
		k.aeads[id] = aead
		if i == 0 {
			k.primary = id
		}
	}
	if k.primary == "" {
		return nil, errors.New("secret: no primary key (set SEQUIN_SECRET_KEY)")
	}
	return k, nil
}

// PrimaryID returns the id of the sealing key.
func (k *Keyring) PrimaryID() string { return k.primary }

// Seal encrypts plaintext bound to aad (e.g. the credential id, so ciphertexts cannot be swapped between
// rows) and returns nonce||ciphertext and the sealing key's id.
func (k *Keyring) Seal(plaintext, aad []byte) ([]byte, string, error) {
	aead := k.aeads[k.primary]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, "", fmt.Errorf("secret: nonce: %w", err)
	}
	return aead.Seal(nonce, nonce, plaintext, aad), k.primary, nil
}

// Open decrypts what Seal returned.
func (k *Keyring) Open(sealed []byte, keyID string, aad []byte) ([]byte, error) {
	aead, ok := k.aeads[keyID]
	if !ok {
		return nil, fmt.Errorf("%w (key id %s)", ErrNoKey, keyID)
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("secret: ciphertext too short")
	}
	pt, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], aad)
	if err != nil {
		return nil, fmt.Errorf("secret: opening ciphertext: %w", err)
	}
	return pt, nil
}

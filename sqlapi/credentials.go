package sqlapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

// ErrNotFound means the row asked for does not exist.
var ErrNotFound = errors.New("not found")

// Credentials reads and seals credential rows. Secrets are only ever decrypted in memory.
type Credentials struct {
	Pool *pgxpool.Pool
	Keys *secret.Keyring
}

// CredentialRow is a credential with its decrypted properties.
type CredentialRow struct {
	providers.Credential
	Provider      string
	Health        Health
	HealthMessage string
}

// SealPending seals every credential whose properties were written through SQL and not yet sealed.
// It returns how many it sealed. Rows locked by another sidecar are left to it.
func (c *Credentials) SealPending(ctx context.Context) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, c.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id::text, secret_ciphertext, secret_key_id, pending_properties
			FROM sequin.credentials WHERE pending_properties IS NOT NULL FOR UPDATE SKIP LOCKED`)
		if err != nil {
			return err
		}
		type pending struct {
			id, keyID string
			sealed    []byte
			props     map[string]any
		}
		var todo []pending
		for rows.Next() {
			var p pending
			var keyID *string
			if err := rows.Scan(&p.id, &p.sealed, &keyID, &p.props); err != nil {
				return err
			}
			if keyID != nil {
				p.keyID = *keyID
			}
			todo = append(todo, p)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, p := range todo {
			props, err := c.open(p.id, p.sealed, p.keyID)
			if err != nil {
				return err
			}
			for k, v := range p.props {
				props[k] = v
			}
			if err := c.write(ctx, tx, p.id, props, true); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sealing credentials: %w", err)
	}
	return n, nil
}

func (c *Credentials) open(id string, sealed []byte, keyID string) (map[string]any, error) {
	props := map[string]any{}
	if sealed == nil {
		return props, nil
	}
	pt, err := c.Keys.Open(sealed, keyID, []byte(id))
	if err != nil {
		return nil, fmt.Errorf("credential %s: %w", id, err)
	}
	if err := json.Unmarshal(pt, &props); err != nil {
		return nil, fmt.Errorf("credential %s: decoding sealed properties: %w", id, err)
	}
	return props, nil
}

func (c *Credentials) write(ctx context.Context, q Querier, id string, props map[string]any, clearPending bool) error {
	pt, err := json.Marshal(props)
	if err != nil {
		return err
	}
	sealed, keyID, err := c.Keys.Seal(pt, []byte(id))
	if err != nil {
		return err
	}
	sql := `UPDATE sequin.credentials SET secret_ciphertext = $2, secret_key_id = $3, updated_at = now() WHERE id = $1`
	if clearPending {
		sql = `UPDATE sequin.credentials SET secret_ciphertext = $2, secret_key_id = $3, pending_properties = NULL, updated_at = now() WHERE id = $1`
	}
	_, err = q.Exec(ctx, sql, id, sealed, keyID)
	return err
}

// Load returns a credential with its properties decrypted (including any not yet sealed).
func (c *Credentials) Load(ctx context.Context, q Querier, id string) (*CredentialRow, error) {
	var (
		row     CredentialRow
		sealed  []byte
		keyID   *string
		pending map[string]any
		msg     *string
	)
	err := q.QueryRow(ctx, `SELECT id::text, provider, kind, secret_ciphertext, secret_key_id, pending_properties, health, health_message
		FROM sequin.credentials WHERE id = $1`, id).Scan(&row.ID, &row.Provider, &row.Kind, &sealed, &keyID, &pending, &row.Health, &msg)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("credential %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("loading credential %s: %w", id, err)
	}
	k := ""
	if keyID != nil {
		k = *keyID
	}
	if row.Properties, err = c.open(row.ID, sealed, k); err != nil {
		return nil, err
	}
	for key, v := range pending {
		row.Properties[key] = v
	}
	if msg != nil {
		row.HealthMessage = *msg
	}
	return &row, nil
}

// SaveCredentialProperties merges properties (e.g. a refreshed OAuth2 token) into a credential and
// seals the result. It implements providers.TokenStore.
func (c *Credentials) SaveCredentialProperties(ctx context.Context, id string, properties map[string]any) error {
	return pgx.BeginFunc(ctx, c.Pool, func(tx pgx.Tx) error {
		var sealed []byte
		var keyID *string
		if err := tx.QueryRow(ctx, `SELECT secret_ciphertext, secret_key_id FROM sequin.credentials WHERE id = $1 FOR UPDATE`, id).Scan(&sealed, &keyID); err != nil {
			return fmt.Errorf("credential %s: %w", id, err)
		}
		k := ""
		if keyID != nil {
			k = *keyID
		}
		props, err := c.open(id, sealed, k)
		if err != nil {
			return err
		}
		for key, v := range properties {
			props[key] = v
		}
		return c.write(ctx, tx, id, props, false)
	})
}

// Reseal re-encrypts every sealed credential with the keyring's primary key (key rotation) and
// returns how many it rewrote.
func (c *Credentials) Reseal(ctx context.Context) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, c.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id::text, secret_ciphertext, secret_key_id FROM sequin.credentials
			WHERE secret_ciphertext IS NOT NULL AND secret_key_id IS DISTINCT FROM $1 FOR UPDATE`, c.Keys.PrimaryID())
		if err != nil {
			return err
		}
		type row struct {
			id, keyID string
			sealed    []byte
		}
		var todo []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.sealed, &r.keyID); err != nil {
				return err
			}
			todo = append(todo, r)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range todo {
			props, err := c.open(r.id, r.sealed, r.keyID)
			if err != nil {
				return err
			}
			if err := c.write(ctx, tx, r.id, props, false); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// SetCredentialHealth records a credential's health and the reason.
func SetCredentialHealth(ctx context.Context, q Querier, id string, h Health, message string) error {
	_, err := q.Exec(ctx, `UPDATE sequin.credentials SET health = $2, health_message = NULLIF($3, ''), updated_at = now()
		WHERE id = $1 AND (health, coalesce(health_message, '')) IS DISTINCT FROM ($2, $3)`, id, string(h), message)
	return err
}

var _ providers.TokenStore = (*Credentials)(nil)

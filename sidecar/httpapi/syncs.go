package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/sequinsync/sequin/sqlapi"
)

// inlineCredential is a credential created together with its sync, for the sync's provider.
type inlineCredential struct {
	Properties json.RawMessage `json:"properties" doc:"the properties of one of the provider's credential kinds"`
	Metadata   json.RawMessage `json:"metadata" doc:"free-form JSON object kept with the credential"`
}

// createSyncRequest is the body of POST /v1/syncs; the arguments of sequin.create_sync, with the
// credential given by id or inline.
type createSyncRequest struct {
	Provider      *string           `json:"provider" doc:"provider name, as in GET /v1/providers"`
	Name          *string           `json:"name" doc:"unique name of the sync"`
	CollectionIDs []string          `json:"collection_ids" doc:"collections to sync: \"acme:widget\" or the bare \"widget\""`
	CredentialID  *string           `json:"credential_id" format:"uuid" doc:"an existing credential of the provider"`
	Credential    *inlineCredential `json:"credential" doc:"a new credential, created in the same transaction (instead of credential_id)"`
	RateLimit     json.RawMessage   `json:"rate_limit" doc:"{\"allowed_requests\": n, \"interval\": ms, \"max_concurrent_requests\": n}; default: the provider's"`
	Metadata      json.RawMessage   `json:"metadata" doc:"free-form JSON object kept with the sync"`
	Options       json.RawMessage   `json:"options" doc:"{\"schema\": ..., \"base_url\": ..., \"poll_interval_ms\": ...}"`
}

// updateSyncRequest is the body of PATCH /v1/syncs/{id}; fields left out are kept.
type updateSyncRequest struct {
	Name          *string         `json:"name" doc:"new unique name"`
	RateLimit     json.RawMessage `json:"rate_limit" doc:"new request budget"`
	Metadata      json.RawMessage `json:"metadata" doc:"replaces the metadata"`
	Options       json.RawMessage `json:"options" doc:"merged into the options; a key set to null removes it; the schema cannot change"`
	CollectionIDs []string        `json:"collection_ids" doc:"collections to add (sequin.add_collections); existing ones are kept"`
}

// resyncRequest is the optional body of POST /v1/syncs/{id}/resync.
type resyncRequest struct {
	CollectionID *string `json:"collection_id" doc:"the collection to backfill again; default: all of the sync's"`
}

// syncJSON is the API shape of a sync: its row and, per collection, its row of sequin.sync_status.
const syncJSON = `jsonb_build_object(
    'id', s.id, 'name', s.name, 'provider', s.provider, 'credential_id', s.credential_id, 'schema', s.schema_name,
    'status', s.status, 'health', s.health, 'health_message', s.health_message,
    'rate_limit', s.rate_limit, 'metadata', s.metadata, 'options', s.options,
    'inserted_at', s.inserted_at, 'updated_at', s.updated_at,
    'collections', coalesce((
        SELECT jsonb_agg(jsonb_build_object(
                   'collection_id', st.collection_id, 'table_name', st.table_name, 'state', st.state,
                   'records', st.records, 'backfill_pages', st.backfill_pages, 'backfill_records', st.backfill_records,
                   'backfill_total', st.backfill_total, 'backfill_percent', st.backfill_percent,
                   'backfill_started_at', st.backfill_started_at, 'backfill_completed_at', st.backfill_completed_at,
                   'last_polled_at', st.last_polled_at, 'last_change_at', st.last_change_at,
                   'lag_ms', round(extract(epoch FROM st.lag) * 1000)::bigint,
                   'health', st.health, 'health_message', st.health_message,
                   'last_error', st.last_error, 'last_error_at', st.last_error_at)
                 ORDER BY st.collection_id)
          FROM sequin.sync_status st WHERE st.sync_id = s.id), '[]'::jsonb))`

func (s *Server) listSyncs(w http.ResponseWriter, r *http.Request) {
	p, err := readKeysetPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l, err := listKeyset(r.Context(), s.Pool, `SELECT s.inserted_at, s.id::text, `+syncJSON+`
		FROM sequin.syncs s
		WHERE $1::timestamptz IS NULL OR (s.inserted_at, s.id) > ($1::timestamptz, $2::uuid)
		ORDER BY s.inserted_at, s.id LIMIT $3`, p)
	if err != nil {
		s.fail(w, r, fmt.Errorf("syncs: %w", err))
		return
	}
	WriteJSON(w, http.StatusOK, l)
}

func (s *Server) createSync(w http.ResponseWriter, r *http.Request) {
	var req createSyncRequest
	if err := s.decodeBody(w, r, &req, false); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.CredentialID != nil {
		if err := requireUUIDs("credential_id", *req.CredentialID); err != nil {
			s.fail(w, r, err)
			return
		}
		if req.Credential != nil {
			e := invalidArgument(`give either "credential_id" or an inline "credential", not both`, "")
			e.Field = "credential"
			s.fail(w, r, e)
			return
		}
	}
	ctx := r.Context()
	var id string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		credentialID := req.CredentialID
		if req.Credential != nil {
			var newID string
			if err := tx.QueryRow(ctx, `SELECT sequin.create_credential($1, $2::jsonb, $3::jsonb)::text`,
				req.Provider, jsonArg(req.Credential.Properties), jsonArg(req.Credential.Metadata)).Scan(&newID); err != nil {
				return err
			}
			credentialID = &newID
		}
		return tx.QueryRow(ctx, `SELECT sequin.create_sync($1, $2, $3::text[], $4::uuid, $5::jsonb, $6::jsonb, $7::jsonb)::text`,
			req.Provider, req.Name, req.CollectionIDs, credentialID,
			jsonArg(req.RateLimit), jsonArg(req.Metadata), jsonArg(req.Options)).Scan(&id)
	})
	if err != nil {
		s.fail(w, r, fmt.Errorf("creating sync: %w", err))
		return
	}
	if req.Credential != nil {
		s.sealCredentials(ctx)
	}
	body, err := syncByID(ctx, s.Pool, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusCreated, body)
}

func (s *Server) getSync(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "sync")
	if err == nil {
		var body json.RawMessage
		if body, err = syncByID(r.Context(), s.Pool, id); err == nil {
			WriteJSON(w, http.StatusOK, body)
			return
		}
	}
	s.fail(w, r, err)
}

func (s *Server) updateSync(w http.ResponseWriter, r *http.Request) {
	var req updateSyncRequest
	s.syncAction(w, r, &req, false, func(ctx context.Context, tx pgx.Tx, id string) error {
		if req.Name != nil || jsonArg(req.RateLimit) != nil || jsonArg(req.Metadata) != nil || jsonArg(req.Options) != nil {
			if _, err := tx.Exec(ctx, `SELECT sequin.update_sync($1, $2, $3::jsonb, $4::jsonb, $5::jsonb)`,
				id, req.Name, jsonArg(req.RateLimit), jsonArg(req.Metadata), jsonArg(req.Options)); err != nil {
				return err
			}
		}
		if req.CollectionIDs != nil {
			if _, err := tx.Exec(ctx, `SELECT sequin.add_collections($1, $2::text[])`, id, req.CollectionIDs); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Server) pauseSync(w http.ResponseWriter, r *http.Request) {
	s.syncAction(w, r, nil, false, func(ctx context.Context, tx pgx.Tx, id string) error {
		_, err := tx.Exec(ctx, `SELECT sequin.pause_sync($1)`, id)
		return err
	})
}

func (s *Server) resumeSync(w http.ResponseWriter, r *http.Request) {
	s.syncAction(w, r, nil, false, func(ctx context.Context, tx pgx.Tx, id string) error {
		_, err := tx.Exec(ctx, `SELECT sequin.resume_sync($1)`, id)
		return err
	})
}

func (s *Server) resyncSync(w http.ResponseWriter, r *http.Request) {
	var req resyncRequest
	s.syncAction(w, r, &req, true, func(ctx context.Context, tx pgx.Tx, id string) error {
		_, err := tx.Exec(ctx, `SELECT sequin.resync($1, $2)`, id, req.CollectionID)
		return err
	})
}

func (s *Server) deleteSync(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "sync")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	dropTables, err := queryBool(r, "drop_tables")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockRow(ctx, tx, "syncs", "sync", id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `SELECT sequin.drop_sync($1, $2)`, id, dropTables)
		return err
	})
	if err != nil {
		s.fail(w, r, fmt.Errorf("dropping sync %s: %w", id, err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// syncAction runs f on the sync of the path in a transaction, after decoding the body into req (when
// not nil), and answers with the sync as it is afterwards.
func (s *Server) syncAction(w http.ResponseWriter, r *http.Request, req any, optionalBody bool,
	f func(ctx context.Context, tx pgx.Tx, id string) error) {
	id, err := pathID(r, "sync")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if req != nil {
		if err := s.decodeBody(w, r, req, optionalBody); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	ctx := r.Context()
	var body json.RawMessage
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockRow(ctx, tx, "syncs", "sync", id); err != nil {
			return err
		}
		if err := f(ctx, tx, id); err != nil {
			return err
		}
		body, err = syncByID(ctx, tx, id)
		return err
	})
	if err != nil {
		s.fail(w, r, fmt.Errorf("sync %s: %w", id, err))
		return
	}
	WriteJSON(w, http.StatusOK, body)
}

func syncByID(ctx context.Context, q sqlapi.Querier, id string) (json.RawMessage, error) {
	var body json.RawMessage
	err := q.QueryRow(ctx, `SELECT `+syncJSON+` FROM sequin.syncs s WHERE s.id = $1`, id).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(fmt.Sprintf("no sync %s", id))
	}
	if err != nil {
		return nil, fmt.Errorf("reading sync %s: %w", id, err)
	}
	return body, nil
}

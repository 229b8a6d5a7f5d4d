package providers

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Collection is one kind of upstream object ("stripe:customer"), declared as data plus the functions
// that fetch and change it. A function left nil means the collection lacks that ability.
type Collection struct {
	// ID is "<provider>:<name>".
	ID string
	// Name is the table name inside the sync's schema (snake_case).
	Name string
	// Description is a one-line human description.
	Description string
	// Fields are the typed columns of the synced table. The whole object is always kept in _data too.
	Fields []Field
	// Deletes says how deleted upstream objects are detected.
	Deletes DeleteDetection

	// Backfill lists one page of all objects, starting from cursor ("" for the first page).
	Backfill func(ctx context.Context, s *Session, cursor string) (*Page, error)
	// Checkpoint returns a change cursor for "now"; it is taken before a backfill starts so that
	// changes made during the backfill are picked up by polling afterwards.
	Checkpoint func(ctx context.Context, s *Session) (string, error)
	// Changes lists objects changed since cursor, oldest first, with deletes where the API reports them.
	Changes func(ctx context.Context, s *Session, cursor string) (*Changes, error)
	// Get fetches one object by id (webhook re-fetch, mutation read-back); a missing object is an
	// *Error of kind ErrNotFound.
	Get func(ctx context.Context, s *Session, id string) (*Record, error)
	// Mutate applies a create, update or delete upstream and returns the resulting object.
	Mutate func(ctx context.Context, s *Session, m *Mutation) (*Record, error)
	// MutationKinds lists the kinds Mutate accepts.
	MutationKinds []MutationKind
}

// DeleteDetection says how a collection learns that an upstream object was deleted.
type DeleteDetection string

const (
	// DeletesInChanges means Changes reports deletes (events endpoint, archived listing, CDC).
	DeletesInChanges DeleteDetection = "changes"
	// DeletesBySweep means the engine periodically lists every id and deletes the ones it no longer sees.
	DeletesBySweep DeleteDetection = "sweep"
	// DeletesNone means the upstream never deletes (immutable ledgers).
	DeletesNone DeleteDetection = "none"
)

// Incremental reports whether the collection has a change feed; otherwise polling re-lists everything.
func (c *Collection) Incremental() bool { return c.Changes != nil }

// Mutable reports whether kind is an accepted mutation kind.
func (c *Collection) Mutable(kind MutationKind) bool {
	for _, k := range c.MutationKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// Field is one typed column of a synced table.
type Field struct {
	// Name is the snake_case column name.
	Name string `json:"name"`
	// Type is the Postgres type: text, bigint, numeric, boolean, timestamptz, jsonb, text[].
	Type string `json:"type"`
	// Path is the dotted path of the value in the API object (defaults to Name).
	Path string `json:"path,omitempty"`
	// Format qualifies how a value is encoded upstream: "unix" (seconds) or "unix_ms" for timestamps.
	Format string `json:"format,omitempty"`
	// Mutable says the field can be written by a mutation.
	Mutable bool `json:"mutable,omitempty"`
}

// SourcePath returns the path of the field in the API object.
func (f Field) SourcePath() string {
	if f.Path != "" {
		return f.Path
	}
	return f.Name
}

// Page is one page of a backfill.
type Page struct {
	Records []Record
	// NextCursor resumes after this page; ignored when Done.
	NextCursor string
	// Done is true on the last page.
	Done bool
	// Total is the number of objects the API says exist, or -1 when it does not say.
	Total int64
}

// Changes is one batch of changes from a poll.
type Changes struct {
	// Records are in upstream order, oldest first; Deleted marks a delete.
	Records []Record
	// NextCursor is where the next poll continues.
	NextCursor string
	// More is true when another call would return more changes right away.
	More bool
}

// Record is one upstream object.
type Record struct {
	// ID is the upstream primary key.
	ID string
	// UpdatedAt is the version time of this copy: the object's own updated field where it has one,
	// otherwise the time of the change that produced it or the time it was fetched. The engine never
	// replaces a record with an older copy.
	UpdatedAt time.Time
	// Data is the whole API object as JSON.
	Data json.RawMessage
	// Deleted marks a delete; Data then holds the last known object, if any.
	Deleted bool
}

// MutationKind is create, update or delete.
type MutationKind string

// The mutation kinds.
const (
	MutationCreate MutationKind = "create"
	MutationUpdate MutationKind = "update"
	MutationDelete MutationKind = "delete"
)

// Mutation is a write to apply upstream.
type Mutation struct {
	// ID is the mutation's id; providers derive idempotency keys from it.
	ID   string
	Kind MutationKind
	// UpstreamID is required for update and delete.
	UpstreamID string
	// Data holds the fields to write, keyed by API field name (nested objects as maps).
	Data map[string]any
}

// IdempotencyKey is the key sent with a create so that a retried mutation never creates twice.
func (m *Mutation) IdempotencyKey() string { return "sequin-mutation-" + m.ID }

var collectionName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Validate checks a provider's declarations; the registry calls it for every provider at start.
func Validate(p Provider) error {
	spec := p.Spec()
	if !collectionName.MatchString(spec.Name) {
		return fmt.Errorf("provider name %q must be snake_case", spec.Name)
	}
	if len(spec.CredentialKinds) == 0 {
		return fmt.Errorf("provider %s: no credential kinds", spec.Name)
	}
	if spec.DefaultRateLimit.AllowedRequests <= 0 || spec.DefaultRateLimit.IntervalMS <= 0 {
		return fmt.Errorf("provider %s: default rate limit must be positive", spec.Name)
	}
	if _, ok := p.(CollectionDiscoverer); ok != (spec.DynamicCollections != "") {
		return fmt.Errorf("provider %s: DynamicCollections must describe the collections a CollectionDiscoverer finds, and only then", spec.Name)
	}
	seen := map[string]bool{}
	for _, c := range p.Collections() {
		if err := ValidateCollection(spec.Name, c); err != nil {
			return err
		}
		if seen[c.Name] {
			return fmt.Errorf("provider %s: collection name %q repeats", spec.Name, c.Name)
		}
		seen[c.Name] = true
	}
	return nil
}

// ValidCollectionName reports whether name can be a collection (and table) name: snake_case.
func ValidCollectionName(name string) bool { return collectionName.MatchString(name) }

// ValidateCollection checks one collection's declaration; discovered collections are checked with it too.
func ValidateCollection(provider string, c *Collection) error {
	if c.ID != provider+":"+c.Name {
		return fmt.Errorf("provider %s: collection id %q must be %q", provider, c.ID, provider+":"+c.Name)
	}
	if !collectionName.MatchString(c.Name) {
		return fmt.Errorf("provider %s: collection name %q is not snake_case", provider, c.Name)
	}
	if c.Backfill == nil {
		return fmt.Errorf("collection %s: Backfill is required", c.ID)
	}
	if c.Changes != nil && c.Checkpoint == nil {
		return fmt.Errorf("collection %s: Changes needs Checkpoint", c.ID)
	}
	if len(c.MutationKinds) > 0 && c.Mutate == nil {
		return fmt.Errorf("collection %s: MutationKinds without Mutate", c.ID)
	}
	cols := map[string]bool{}
	for _, f := range c.Fields {
		if !collectionName.MatchString(f.Name) || strings.HasPrefix(f.Name, "_") || cols[f.Name] || f.Name == "id" {
			return fmt.Errorf("collection %s: field %q must be a unique snake_case name other than id", c.ID, f.Name)
		}
		cols[f.Name] = true
		if !validTypes[f.Type] {
			return fmt.Errorf("collection %s: field %s has unsupported type %q", c.ID, f.Name, f.Type)
		}
	}
	return nil
}

var validTypes = map[string]bool{
	"text": true, "bigint": true, "integer": true, "numeric": true, "boolean": true,
	"timestamptz": true, "date": true, "jsonb": true, "text[]": true, "double precision": true,
}

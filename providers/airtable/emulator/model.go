package emulator

import (
	"crypto/sha256"
	"encoding/json"
	"math/big"
	"math/rand/v2"
	"strings"
	"time"
)

// Airtable ids are a three-letter prefix and fourteen base-62 characters: app (base), tbl (table),
// fld (field), viw (view), rec (record), ach (webhook), usr (user), sel (select choice), att
// (attachment).
const idChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// stableID derives an id from a name, so that the same base, table or field has the same id in every
// emulator: a collection discovered against one emulator then works against another.
func stableID(prefix, name string) string {
	sum := sha256.Sum256([]byte(prefix + "/" + name))
	n := new(big.Int).SetBytes(sum[:])
	var b strings.Builder
	b.WriteString(prefix)
	base := big.NewInt(int64(len(idChars)))
	mod := new(big.Int)
	for range 14 {
		n.DivMod(n, base, mod)
		b.WriteByte(idChars[mod.Int64()])
	}
	return b.String()
}

// randomID draws an id from the generator.
func randomID(rng *rand.Rand, prefix string) string {
	b := []byte(prefix)
	for range 14 {
		b = append(b, idChars[rng.IntN(len(idChars))])
	}
	return string(b)
}

// validID reports whether s is an id with the prefix.
func validID(s, prefix string) bool {
	if len(s) != len(prefix)+14 || !strings.HasPrefix(s, prefix) {
		return false
	}
	for _, c := range s[len(prefix):] {
		if !strings.ContainsRune(idChars, c) {
			return false
		}
	}
	return true
}

// choice is an option of a single or multiple select field.
type choice struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color,omitempty"`
}

// field is a column of a table, as the schema API describes it.
type field struct {
	ID          string
	Name        string
	Type        string
	Description string
	// Options is the type's options object as the schema API serves it (choices, precision, ...).
	Options map[string]any
	// choices are a select field's options.
	choices []*choice
	// linked is the table a multipleRecordLinks field links to.
	linked string
	// formula computes a formula field's value from a record.
	formula func(r *record, t *table) any
}

// computed reports whether the field's value is computed by Airtable and cannot be written.
func (f *field) computed() bool {
	switch f.Type {
	case "formula", "createdTime", "lastModifiedTime", "autoNumber", "rollup", "count", "multipleLookupValues",
		"createdBy", "lastModifiedBy", "button":
		return true
	}
	return false
}

// view is a grid view of a table.
type view struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

// record is a row of a table.
type record struct {
	id       string
	seq      int // creation order, also the autoNumber value
	created  time.Time
	modified time.Time
	cells    map[string]any // by field id, only non-empty values
	raw      json.RawMessage
}

// table is a table of a base, with its records in creation order.
type table struct {
	id, name, description string
	base                  *base
	fields                []*field
	views                 []view
	records               []*record
	byID                  map[string]*record
	nextSeq               int
}

// primary is the table's primary field, its first.
func (t *table) primary() *field { return t.fields[0] }

// fieldNamed finds a field by name or id.
func (t *table) fieldNamed(key string) *field {
	for _, f := range t.fields {
		if f.Name == key || f.ID == key {
			return f
		}
	}
	return nil
}

// base is an Airtable base (an application, in its older name).
type base struct {
	id, name, permission string
	tables               []*table
}

// tableNamed finds a table by id or name.
func (b *base) tableNamed(key string) *table {
	for _, t := range b.tables {
		if t.id == key || t.name == key {
			return t
		}
	}
	return nil
}

// state is everything the emulator holds.
type state struct {
	bases []*base
	// main is the base holding the typed tables and their records.
	main *base
	rng  *rand.Rand
	now  func() time.Time
	user string
}

// baseByID finds a base.
func (st *state) baseByID(id string) *base {
	for _, b := range st.bases {
		if b.id == id {
			return b
		}
	}
	return nil
}

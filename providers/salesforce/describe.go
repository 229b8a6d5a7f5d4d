package salesforce

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// describeTTL is how long an object's describe is reused for the field list of queries. Fields added
// upstream are picked up after it; a field removed upstream fails a query with INVALID_FIELD, which
// drops the entry at once.
const describeTTL = 10 * time.Minute

// describeField is what is read of a field in describe.
type describeField struct {
	Name              string  `json:"name"`
	Type              string  `json:"type"`
	Createable        bool    `json:"createable"`
	Updateable        bool    `json:"updateable"`
	Filterable        bool    `json:"filterable"`
	ExternalID        bool    `json:"externalId"`
	CompoundFieldName *string `json:"compoundFieldName"`
}

// description is what is read of an object's describe.
type description struct {
	Name          string          `json:"name"`
	Label         string          `json:"label"`
	Custom        bool            `json:"custom"`
	Queryable     bool            `json:"queryable"`
	Replicateable bool            `json:"replicateable"`
	Createable    bool            `json:"createable"`
	Updateable    bool            `json:"updateable"`
	Deletable     bool            `json:"deletable"`
	Fields        []describeField `json:"fields"`
}

// field returns the field of that exact name, or nil.
func (d *description) field(name string) *describeField {
	for i := range d.Fields {
		if d.Fields[i].Name == name {
			return &d.Fields[i]
		}
	}
	return nil
}

// selectList is the field list of queries: every field a query may return. base64 fields are left
// out: SOQL returns them only one record at a time.
func (d *description) selectList() string {
	names := make([]string, 0, len(d.Fields))
	for _, f := range d.Fields {
		if f.Type != "base64" {
			names = append(names, f.Name)
		}
	}
	return strings.Join(names, ", ")
}

type cachedDescribe struct {
	d  *description
	at time.Time
}

// describes caches describe answers by instance and object; describes are the same for every sync of
// an org, and the key holds no secret.
var describes sync.Map // "<root>|<object>" -> cachedDescribe

// describe returns an object's describe, from the cache unless fresh is set.
func describe(ctx context.Context, s *providers.Session, object string, fresh bool) (*description, error) {
	base, err := root(s)
	if err != nil {
		return nil, err
	}
	key := base + "|" + object
	if v, ok := describes.Load(key); ok && !fresh && time.Since(v.(cachedDescribe).at) < describeTTL {
		return v.(cachedDescribe).d, nil
	}
	var d description
	if _, err := getJSON(ctx, s, dataPath+"/sobjects/"+url.PathEscape(object)+"/describe", nil, nil, &d); err != nil {
		return nil, err
	}
	if d.Name == "" || len(d.Fields) == 0 || d.field("Id") == nil {
		return nil, providers.Malformed(nil, "salesforce: describe of %s has no name or no Id field", object)
	}
	for _, f := range d.Fields {
		if !apiName(f.Name) {
			return nil, providers.Malformed(nil, "salesforce: describe of %s has a field named %q", object, clip(f.Name))
		}
	}
	describes.Store(key, cachedDescribe{d: &d, at: time.Now()})
	return &d, nil
}

// forgetDescribe drops an object's cached describe.
func forgetDescribe(s *providers.Session, object string) {
	if base, err := root(s); err == nil {
		describes.Delete(base + "|" + object)
	}
}

// globalObject is an object's entry in describeGlobal.
type globalObject struct {
	Name      string `json:"name"`
	Queryable bool   `json:"queryable"`
}

// describeGlobal lists the org's objects.
func describeGlobal(ctx context.Context, s *providers.Session) ([]globalObject, error) {
	var g struct {
		SObjects []globalObject `json:"sobjects"`
	}
	if _, err := getJSON(ctx, s, dataPath+"/sobjects", nil, nil, &g); err != nil {
		return nil, err
	}
	if g.SObjects == nil {
		return nil, providers.Malformed(nil, "salesforce: describeGlobal lists no objects")
	}
	return g.SObjects, nil
}

// apiName reports whether s can be an object or field API name, safe to place in SOQL and paths.
func apiName(s string) bool {
	if s == "" || len(s) > 120 || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// columnType maps a describe type to a column type; "" leaves the field out of the columns (it stays
// in _data).
func columnType(t string) string {
	switch t {
	case "id", "reference", "string", "picklist", "multipicklist", "combobox", "textarea", "phone", "url",
		"email", "encryptedstring", "time", "anyType":
		return "text"
	case "boolean":
		return "boolean"
	case "currency", "double", "percent":
		return "numeric"
	case "int", "long":
		return "bigint"
	case "date":
		return "date"
	case "datetime":
		return "timestamptz"
	case "address", "location", "complexvalue":
		return "jsonb"
	case "base64":
		return ""
	}
	return "jsonb"
}

// columnName turns an API name into a snake_case column name: "BillingPostalCode" is
// billing_postal_code, "SLAExpirationDate__c" sla_expiration_date__c.
func columnName(api string) string {
	var b strings.Builder
	rs := []rune(api)
	for i, r := range rs {
		upper := r >= 'A' && r <= 'Z'
		if upper && i > 0 && rs[i-1] != '_' {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && rs[i+1] >= 'a' && rs[i+1] <= 'z'
			if prev >= 'a' && prev <= 'z' || prev >= '0' && prev <= '9' || (prev >= 'A' && prev <= 'Z' && nextLower) {
				b.WriteByte('_')
			}
		}
		if upper {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// collectionName is the collection an object becomes: its API name in lower case.
func collectionName(api string) string { return strings.ToLower(api) }

// columns maps describe fields to typed columns; Id is the primary key and never a column.
func columns(fields []describeField) []providers.Field {
	out := make([]providers.Field, 0, len(fields))
	seen := map[string]bool{"id": true}
	for _, f := range fields {
		typ := columnType(f.Type)
		name := columnName(f.Name)
		if typ == "" || f.Name == "Id" || !providers.ValidCollectionName(name) || strings.HasPrefix(name, "_") {
			continue
		}
		for i := 2; seen[name]; i++ {
			name = fmt.Sprintf("%s_%d", columnName(f.Name), i)
		}
		seen[name] = true
		out = append(out, providers.Field{Name: name, Type: typ, Path: f.Name, Mutable: f.Createable || f.Updateable})
	}
	return out
}

package providers

import (
	"fmt"
	"sort"
	"strings"
)

// Registry is the set of providers a sidecar knows, looked up by name or collection id.
type Registry struct {
	byName       map[string]Provider
	byCollection map[string]*Collection
	names        []string
}

// NewRegistry validates and indexes providers; a name given twice is an error.
func NewRegistry(ps ...Provider) (*Registry, error) {
	r := &Registry{byName: map[string]Provider{}, byCollection: map[string]*Collection{}}
	for _, p := range ps {
		if err := Validate(p); err != nil {
			return nil, err
		}
		name := p.Spec().Name
		if _, dup := r.byName[name]; dup {
			return nil, fmt.Errorf("provider %q registered twice", name)
		}
		r.byName[name] = p
		r.names = append(r.names, name)
		for _, c := range p.Collections() {
			r.byCollection[c.ID] = c
		}
	}
	sort.Strings(r.names)
	return r, nil
}

// Provider returns the provider named name.
func (r *Registry) Provider(name string) (Provider, bool) {
	p, ok := r.byName[name]
	return p, ok
}

// Collection returns the collection with id ("stripe:customer").
func (r *Registry) Collection(id string) (*Collection, bool) {
	c, ok := r.byCollection[id]
	return c, ok
}

// Names lists provider names in order.
func (r *Registry) Names() []string { return append([]string(nil), r.names...) }

// Providers lists providers in name order.
func (r *Registry) Providers() []Provider {
	out := make([]Provider, 0, len(r.names))
	for _, n := range r.names {
		out = append(out, r.byName[n])
	}
	return out
}

// SplitCollectionID splits "stripe:customer" into provider and collection name.
func SplitCollectionID(id string) (provider, name string, ok bool) {
	return strings.Cut(id, ":")
}

package emulator

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Owners is the name the Go API uses for the owners collection, next to the CRM object types.
const Owners = "owners"

// Types lists the CRM object types the emulator serves, in a stable order.
func Types() []string {
	out := make([]string, len(objectTypes))
	for i, t := range objectTypes {
		out[i] = t.name
	}
	return out
}

// Create makes a new object of a CRM type (or an owner, with email, firstName and lastName) as a user
// would in HubSpot: it shows up in lists and searches and sends webhooks. Nil properties make a typical
// object. It returns the new id.
func (s *Server) Create(objectType string, properties map[string]any) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if objectType == Owners {
		return s.createOwner(properties), nil
	}
	t := typeByName(objectType)
	if t == nil {
		return "", fmt.Errorf("emulator: unknown object type %q", objectType)
	}
	if properties == nil {
		properties = s.typical(t)
	}
	o, e := s.create(t, properties, "CRM_UI")
	if e != nil {
		return "", e
	}
	return strconv.FormatInt(o.id, 10), nil
}

// typical returns the properties of a plausible new object; s.mu must be held.
func (s *Server) typical(t *objectType) map[string]any {
	n := s.st.tables[t.name].nextID
	tag := strconv.FormatInt(n, 10)
	switch t {
	case contacts:
		return map[string]any{"email": "new.contact" + tag + "@example.com", "firstname": "New", "lastname": "Contact " + tag, "lifecyclestage": "lead"}
	case companies:
		return map[string]any{"name": "New Company " + tag, "domain": "newcompany" + tag + ".com", "industry": "COMPUTER_SOFTWARE"}
	case deals:
		return map[string]any{"dealname": "New deal " + tag, "amount": "1500.00", "pipeline": "default", "dealstage": "appointmentscheduled"}
	case tickets:
		return map[string]any{"subject": "New ticket " + tag, "hs_pipeline": "0", "hs_pipeline_stage": "1", "hs_ticket_priority": "MEDIUM"}
	default:
		return map[string]any{"name": "New line item " + tag, "quantity": "2", "price": "50.00", "amount": "100.00"}
	}
}

// touched is the property Update changes when given no properties.
var touched = map[*objectType]string{contacts: "jobtitle", companies: "description", deals: "description", tickets: "content", lineItems: "description"}

// Update changes an object's properties (nil: some property a user would edit) and sends webhooks.
func (s *Server) Update(objectType, id string, properties map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if objectType == Owners {
		return s.updateOwner(id, properties)
	}
	t := typeByName(objectType)
	if t == nil {
		return fmt.Errorf("emulator: unknown object type %q", objectType)
	}
	if properties == nil {
		s.st.eventID++ // a fresh number keeps every edit distinct
		properties = map[string]any{touched[t]: "Edited (" + strconv.FormatInt(s.st.eventID, 10) + ")"}
	}
	if _, e := s.update(t, id, "", properties, "CRM_UI"); e != nil {
		return e
	}
	return nil
}

// Delete archives an object (HubSpot's delete), which then only shows up with archived=true.
func (s *Server) Delete(objectType, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if objectType == Owners {
		return s.archiveOwner(id)
	}
	t := typeByName(objectType)
	if t == nil {
		return fmt.Errorf("emulator: unknown object type %q", objectType)
	}
	if e := s.archive(t, id); e != nil {
		return e
	}
	return nil
}

// Get returns a live object as GET /crm/v3/objects/<type>/<id>?properties=... serves it (nil
// properties: the type's defaults), or an owner as GET /crm/v3/owners/<id> does.
func (s *Server) Get(objectType, id string, properties ...string) (json.RawMessage, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if objectType == Owners {
		n, err := strconv.ParseInt(id, 10, 64)
		o := s.st.ownerByID[n]
		if err != nil || o == nil || o.archived {
			return nil, false
		}
		return appendOwner(nil, o), true
	}
	t := typeByName(objectType)
	if t == nil {
		return nil, false
	}
	o := s.st.tables[t.name].lookup(id, "")
	if o == nil || o.archived {
		return nil, false
	}
	return t.appendObject(nil, o, t.propertyList(properties)), true
}

// Archived returns an archived object as GET ...?archived=true serves it.
func (s *Server) Archived(objectType, id string, properties ...string) (json.RawMessage, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := typeByName(objectType)
	if t == nil {
		return nil, false
	}
	o := s.st.tables[t.name].lookup(id, "")
	if o == nil || !o.archived {
		return nil, false
	}
	return t.appendObject(nil, o, t.propertyList(properties)), true
}

// List returns the ids of the live objects of a type (or of the owners), in list order.
func (s *Server) List(objectType string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	if objectType == Owners {
		for _, o := range s.st.owners {
			if !o.archived {
				out = append(out, strconv.FormatInt(o.id, 10))
			}
		}
		return out
	}
	t := typeByName(objectType)
	if t == nil {
		return nil
	}
	for _, o := range s.st.tables[t.name].objs {
		if !o.archived {
			out = append(out, strconv.FormatInt(o.id, 10))
		}
	}
	return out
}

// Count returns the number of live objects of a type (or of owners).
func (s *Server) Count(objectType string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if objectType == Owners {
		n := 0
		for _, o := range s.st.owners {
			if !o.archived {
				n++
			}
		}
		return n
	}
	if t := typeByName(objectType); t != nil {
		return s.st.tables[t.name].live
	}
	return 0
}

// DelaySearch hides an object's current version from the search endpoints for d, as HubSpot's search
// index sometimes shows a change well after later ones.
func (s *Server) DelaySearch(objectType, id string, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := typeByName(objectType)
	if t == nil {
		return fmt.Errorf("emulator: unknown object type %q", objectType)
	}
	o := s.st.tables[t.name].lookup(id, "")
	if o == nil {
		return fmt.Errorf("emulator: no %s %s", t.name, id)
	}
	o.visible = s.nowMs() + d.Milliseconds()
	return nil
}

// Pipelines returns the ids of the live pipelines of "deals" or "tickets".
func (s *Server) Pipelines(objectType string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for _, p := range s.st.pipelines {
		if p.objectType == objectType && !p.archived {
			out = append(out, p.id)
		}
	}
	return out
}

// Pipeline returns a pipeline as GET /crm/v3/pipelines/<type>/<id> serves it.
func (s *Server) Pipeline(objectType, id string) (json.RawMessage, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p := s.st.pipeline(objectType, id)
	if p == nil {
		return nil, false
	}
	return appendPipeline(nil, p), true
}

// ArchivePipeline archives a pipeline.
func (s *Server) ArchivePipeline(objectType, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.st.pipeline(objectType, id)
	if p == nil {
		return fmt.Errorf("emulator: no %s pipeline %s", objectType, id)
	}
	p.archived = true
	p.updated = s.nowMs()
	return nil
}

// Summary describes the emulator for the command line: object counts and how to authenticate.
func (s *Server) Summary() map[string]any {
	counts := map[string]any{}
	for _, t := range objectTypes {
		counts[t.name] = s.Count(t.name)
	}
	counts[Owners] = s.Count(Owners)
	counts["pipelines"] = len(s.Pipelines("deals")) + len(s.Pipelines("tickets"))
	tokens := "any token starting with pat-"
	if len(s.cfg.AccessTokens) > 0 {
		tokens = strings.Join(s.cfg.AccessTokens, ", ")
	}
	sum := map[string]any{"url": s.URL(), "collections": counts, "access_tokens": tokens, "portal_id": s.cfg.PortalID}
	if s.cfg.RateLimit > 0 {
		sum["rate_limit"] = fmt.Sprintf("%d requests per %s", s.cfg.RateLimit, s.cfg.RateLimitWindow)
	}
	if s.cfg.WebhookURL != "" {
		sum["webhook_url"] = s.cfg.WebhookURL
	}
	return sum
}

// createOwner adds an owner; s.mu must be held.
func (s *Server) createOwner(p map[string]any) string {
	get := func(k, def string) string {
		if v, ok := p[k].(string); ok && v != "" {
			return v
		}
		return def
	}
	now := s.nowMs()
	n := s.st.nextOwner
	o := &owner{email: get("email", "owner"+strconv.FormatInt(n, 10)+"@example.com"), firstName: get("firstName", "New"),
		lastName: get("lastName", "Owner"), userID: 9000000 + n%1000000, created: now, updated: now}
	s.st.addOwner(o)
	return strconv.FormatInt(o.id, 10)
}

// updateOwner changes an owner's names or email; s.mu must be held.
func (s *Server) updateOwner(id string, p map[string]any) error {
	n, _ := strconv.ParseInt(id, 10, 64)
	o := s.st.ownerByID[n]
	if o == nil || o.archived {
		return errNotFound()
	}
	if p == nil {
		p = map[string]any{"lastName": o.lastName + " (edited)"}
	}
	for k, v := range p {
		sv, _ := v.(string)
		switch k {
		case "email":
			o.email = sv
		case "firstName":
			o.firstName = sv
		case "lastName":
			o.lastName = sv
		default:
			return fmt.Errorf("emulator: owners have no writable %q", k)
		}
	}
	o.updated = max(s.nowMs(), o.updated)
	return nil
}

// archiveOwner deactivates an owner; s.mu must be held.
func (s *Server) archiveOwner(id string) error {
	n, _ := strconv.ParseInt(id, 10, 64)
	o := s.st.ownerByID[n]
	if o == nil {
		return errNotFound()
	}
	if !o.archived {
		now := max(s.nowMs(), o.updated)
		o.archived, o.archivedAt, o.updated = true, now, now
	}
	return nil
}

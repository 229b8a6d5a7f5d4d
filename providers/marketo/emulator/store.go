package emulator

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// LeadFields are the lead fields the emulator keeps; every lead has all of them, null when unset.
var LeadFields = []string{"id", "email", "firstName", "lastName", "company", "title", "phone", "leadSource", "createdAt", "updatedAt"}

// Activity type ids used by the emulator.
const (
	VisitWebpage    = 1
	FillOutForm     = 2
	ClickLink       = 3
	SendEmail       = 6
	EmailDelivered  = 7
	OpenEmail       = 10
	ClickEmail      = 11
	NewLead         = 12
	ChangeDataValue = 13
	DeleteLead      = 37
)

var activityNames = map[int]string{VisitWebpage: "Visit Webpage", FillOutForm: "Fill Out Form", ClickLink: "Click Link",
	SendEmail: "Send Email", EmailDelivered: "Email Delivered", OpenEmail: "Open Email", ClickEmail: "Click Email",
	NewLead: "New Lead", ChangeDataValue: "Change Data Value", DeleteLead: "Delete Lead"}

// MarketingActivities are the activity types the activities collection covers (lead lifecycle
// activities belong to the leads' change feed).
var MarketingActivities = []int{VisitWebpage, FillOutForm, ClickLink, SendEmail, EmailDelivered, OpenEmail, ClickEmail}

func restTime(t time.Time) string  { return t.UTC().Format("2006-01-02T15:04:05Z") }
func assetTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z+0000") }

func clone(o map[string]any) map[string]any {
	b, _ := json.Marshal(o)
	var c map[string]any
	_ = json.Unmarshal(b, &c)
	return c
}

func guid() string {
	return fmt.Sprintf("%x-%x", time.Now().UnixNano(), time.Now().UnixNano()%9973)
}

// addActivity appends an activity; callers hold s.mu.
func (s *Server) addActivity(leadID, typ int, primary string, at time.Time, fields []any) map[string]any {
	s.actSeq++
	a := map[string]any{"id": s.actSeq, "marketoGUID": strconv.Itoa(1_000_000 + s.actSeq), "leadId": leadID,
		"activityDate": restTime(at), "activityTypeId": typ, "primaryAttributeValue": primary,
		"attributes": []any{map[string]any{"name": "Activity Name", "value": activityNames[typ]}}}
	if fields != nil {
		a["fields"] = fields
	}
	s.activities = append(s.activities, a)
	return a
}

// upsertLead creates or updates a lead from input; callers hold s.mu. It reports "created",
// "updated", or an error code and message for a skipped record.
func (s *Server) upsertLead(input map[string]any, action, lookupField string, at time.Time) (int, string, string) {
	var cur map[string]any
	switch lookupField {
	case "id":
		id, _ := input["id"].(float64)
		cur = s.leads[int(id)]
	default:
		if input[lookupField] == nil {
			return 0, "1006", "Field '" + lookupField + "' not found"
		}
		for _, l := range s.leads {
			if l[lookupField] == input[lookupField] {
				cur = l
				break
			}
		}
	}
	if cur == nil {
		if action == "updateOnly" {
			return 0, "1004", "Lead not found"
		}
		s.leadSeq++
		l := map[string]any{}
		for _, f := range LeadFields {
			l[f] = nil
		}
		for k, v := range input {
			if k != "id" && v != "" {
				l[k] = v
			}
		}
		l["id"] = s.leadSeq
		if l["createdAt"] == nil {
			l["createdAt"] = restTime(at)
		}
		if l["updatedAt"] == nil {
			l["updatedAt"] = l["createdAt"]
		}
		s.leads[s.leadSeq] = l
		s.addActivity(s.leadSeq, NewLead, "", at, nil)
		return s.leadSeq, "created", ""
	}
	if action == "createOnly" {
		return 0, "1005", "Lead already exists"
	}
	var changes []any
	for k, v := range input {
		if k == "id" || k == "createdAt" || k == "updatedAt" {
			continue
		}
		if v == "" {
			v = nil
		}
		if cur[k] != v {
			changes = append(changes, map[string]any{"name": k, "oldValue": cur[k], "newValue": v})
			cur[k] = v
		}
	}
	id := int(cur["id"].(int))
	if len(changes) > 0 {
		cur["updatedAt"] = restTime(at)
		s.addActivity(id, ChangeDataValue, "", at, changes)
	}
	return id, "updated", ""
}

// deleteLead deletes a lead and records the Delete Lead activity; callers hold s.mu.
func (s *Server) deleteLead(id int, at time.Time) bool {
	if s.leads[id] == nil {
		return false
	}
	delete(s.leads, id)
	s.addActivity(id, DeleteLead, strconv.Itoa(id), at, nil)
	return true
}

// token encodes a position in the activity log as a paging token.
func token(pos int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("act:" + strconv.Itoa(pos)))
}

func untoken(t string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil || len(b) < 4 || string(b[:4]) != "act:" {
		return 0, false
	}
	n, err := strconv.Atoi(string(b[4:]))
	return n, err == nil && n >= 0
}

// ErrUnknown is returned by the test-facing methods for an unknown collection or object.
var ErrUnknown = errors.New("emulator: no such collection or object")

// Create makes an object of coll ("leads", "activities", "programs", "lists"); nil data makes a
// typical one. It returns the new object's id as the API shows it.
func (s *Server) Create(coll string, data map[string]any) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	n := s.leadSeq + s.actSeq + s.progSeq + s.listSeq + 500000
	switch coll {
	case "leads":
		if data == nil {
			data = sampleLead(n)
		}
		id, status, msg := s.upsertLead(data, "createOrUpdate", "email", now)
		if status != "created" && status != "updated" {
			return "", errors.New(msg)
		}
		return strconv.Itoa(id), nil
	case "activities":
		leadID := 0
		for id := range s.leads {
			leadID = max(leadID, id)
		}
		a := s.addActivity(leadID, MarketingActivities[n%len(MarketingActivities)], fmt.Sprintf("https://example.com/page/%d", n), now, nil)
		return a["marketoGUID"].(string), nil
	case "programs":
		if data == nil {
			data = sampleProgram(n)
		}
		return strconv.Itoa(s.addProgram(data, now)), nil
	case "lists":
		if data == nil {
			data = map[string]any{"name": fmt.Sprintf("List %d", n)}
		}
		return strconv.Itoa(s.addList(data, now)), nil
	}
	return "", ErrUnknown
}

// Update changes an object; nil data makes a change Marketo records.
func (s *Server) Update(coll, id string, data map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, _ := strconv.Atoi(id)
	now := s.cfg.Now()
	switch coll {
	case "leads":
		if data == nil {
			data = map[string]any{"title": "Title " + now.Format(time.RFC3339Nano)}
		}
		input := map[string]any{"id": float64(n)}
		for k, v := range data {
			input[k] = v
		}
		if _, status, msg := s.upsertLead(input, "updateOnly", "id", now); status != "updated" {
			return errors.New(msg)
		}
		return nil
	case "programs", "lists":
		m := s.programs
		if coll == "lists" {
			m = s.lists
		}
		o := m[n]
		if o == nil {
			return ErrUnknown
		}
		if data == nil {
			data = map[string]any{"description": "Revised " + now.Format(time.RFC3339Nano)}
		}
		for k, v := range data {
			o[k] = v
		}
		o["updatedAt"] = assetTime(now)
		if coll == "lists" {
			o["updatedAt"] = restTime(now)
		}
		return nil
	}
	return ErrUnknown
}

// Delete deletes an object; activities cannot be deleted.
func (s *Server) Delete(coll, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, _ := strconv.Atoi(id)
	switch coll {
	case "leads":
		if s.deleteLead(n, s.cfg.Now()) {
			return nil
		}
	case "programs":
		if s.programs[n] != nil {
			delete(s.programs, n)
			return nil
		}
	case "lists":
		if s.lists[n] != nil {
			delete(s.lists, n)
			return nil
		}
	}
	return ErrUnknown
}

// IDs lists a collection's ids: numeric ids ascending, activities (by marketoGUID) in log order.
func (s *Server) IDs(coll string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	if coll == "activities" {
		for _, a := range s.activities {
			if isMarketing(a) {
				ids = append(ids, a["marketoGUID"].(string))
			}
		}
		return ids
	}
	var nums []int
	for id := range s.table(coll) {
		nums = append(nums, id)
	}
	sort.Ints(nums)
	for _, n := range nums {
		ids = append(ids, strconv.Itoa(n))
	}
	return ids
}

func isMarketing(a map[string]any) bool {
	for _, t := range MarketingActivities {
		if a["activityTypeId"] == t {
			return true
		}
	}
	return false
}

func (s *Server) table(coll string) map[int]map[string]any {
	switch coll {
	case "leads":
		return s.leads
	case "programs":
		return s.programs
	case "lists":
		return s.lists
	}
	return nil
}

// Object returns an object as the API serves it.
func (s *Server) Object(coll, id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if coll == "activities" {
		for _, a := range s.activities {
			if a["marketoGUID"] == id {
				return clone(a), true
			}
		}
		return nil, false
	}
	n, _ := strconv.Atoi(id)
	o := s.table(coll)[n]
	if o == nil {
		return nil, false
	}
	return clone(o), true
}

// addProgram stores a program; callers hold s.mu.
func (s *Server) addProgram(data map[string]any, at time.Time) int {
	s.progSeq++
	o := map[string]any{"id": s.progSeq, "name": data["name"], "description": "", "type": "Default", "channel": "Webinar",
		"status": "", "workspace": "Default", "url": fmt.Sprintf("https://app-ab00.marketo.com/#PG%dA1", s.progSeq),
		"folder":    map[string]any{"type": "Folder", "value": 12, "folderName": "Programs"},
		"createdAt": assetTime(at), "updatedAt": assetTime(at)}
	for k, v := range data {
		o[k] = v
	}
	o["id"] = s.progSeq
	s.programs[s.progSeq] = o
	return s.progSeq
}

// addList stores a static list; callers hold s.mu.
func (s *Server) addList(data map[string]any, at time.Time) int {
	s.listSeq++
	o := map[string]any{"id": s.listSeq, "name": data["name"], "description": nil, "programName": "Lists", "workspaceName": "Default",
		"createdAt": restTime(at), "updatedAt": restTime(at)}
	for k, v := range data {
		o[k] = v
	}
	o["id"] = s.listSeq
	s.lists[s.listSeq] = o
	return s.listSeq
}

// RevokeTokens invalidates every access token issued so far, as an administrator resetting the API
// user would; calls with them are answered with error 601.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

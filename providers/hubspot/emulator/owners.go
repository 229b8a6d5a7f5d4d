package emulator

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// handleOwners serves GET /crm/v3/owners: owners in ascending id order, 500 at most per page,
// optionally filtered by email, live or (archived=true) archived.
func (s *Server) handleOwners(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, after, e := pageParams(q, 500)
	if e != nil {
		writeError(w, e)
		return
	}
	archived, e := queryBool(q, "archived")
	if e != nil {
		writeError(w, e)
		return
	}
	email := strings.ToLower(q.Get("email"))
	s.mu.RLock()
	owners := s.st.owners
	b := make([]byte, 0, 300*limit)
	b = append(b, `{"results":[`...)
	n, next := 0, ""
	for i := sort.Search(len(owners), func(i int) bool { return owners[i].id >= after }); i < len(owners); i++ {
		o := owners[i]
		if o.archived != archived || (email != "" && strings.ToLower(o.email) != email) {
			continue
		}
		if n == limit {
			next = strconv.FormatInt(o.id, 10)
			break
		}
		if n > 0 {
			b = append(b, ',')
		}
		b = appendOwner(b, o)
		n++
	}
	s.mu.RUnlock()
	writeJSON(w, http.StatusOK, appendPaging(b, r, next))
}

// handleOwner serves GET /crm/v3/owners/<id>, by owner id or (idProperty=userId) user id.
func (s *Server) handleOwner(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	archived, e := queryBool(q, "archived")
	if e != nil {
		writeError(w, e)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, errNotFound())
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var o *owner
	switch q.Get("idProperty") {
	case "", "id":
		o = s.st.ownerByID[id]
	case "userId":
		for _, c := range s.st.owners {
			if c.userID == id {
				o = c
				break
			}
		}
	default:
		writeError(w, errBadRequest("idProperty must be id or userId"))
		return
	}
	if o == nil || o.archived != archived {
		writeError(w, errNotFound())
		return
	}
	writeJSON(w, http.StatusOK, appendOwner(nil, o))
}

// pipelineType resolves the object type of the pipelines endpoints: deals or tickets.
func pipelineType(r *http.Request) (string, *apiError) {
	switch name := r.PathValue("type"); name {
	case "deals", "deal", "0-3":
		return "deals", nil
	case "tickets", "ticket", "0-5":
		return "tickets", nil
	default:
		return "", errUnknownType(name)
	}
}

// handlePipelines serves GET /crm/v3/pipelines/<type>: every pipeline of the type, unpaged.
func (s *Server) handlePipelines(w http.ResponseWriter, r *http.Request) {
	typ, e := pipelineType(r)
	if e != nil {
		writeError(w, e)
		return
	}
	s.mu.RLock()
	b := []byte(`{"results":[`)
	n := 0
	for _, p := range s.st.pipelines {
		if p.objectType != typ || p.archived {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		b = appendPipeline(b, p)
		n++
	}
	s.mu.RUnlock()
	writeJSON(w, http.StatusOK, append(b, "]}"...))
}

// handlePipeline serves GET /crm/v3/pipelines/<type>/<id>.
func (s *Server) handlePipeline(w http.ResponseWriter, r *http.Request) {
	typ, e := pipelineType(r)
	if e != nil {
		writeError(w, e)
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if p := s.st.pipeline(typ, r.PathValue("id")); p != nil {
		writeJSON(w, http.StatusOK, appendPipeline(nil, p))
		return
	}
	writeError(w, &apiError{Status: http.StatusNotFound, Category: "OBJECT_NOT_FOUND", Message: "Unable to find pipeline " + r.PathValue("id")})
}

// pipeline finds a live pipeline.
func (st *store) pipeline(typ, id string) *pipeline {
	for _, p := range st.pipelines {
		if p.objectType == typ && p.id == id && !p.archived {
			return p
		}
	}
	return nil
}

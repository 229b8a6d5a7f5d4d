package emulator

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// sobjects routes /sobjects, /sobjects/{name}, /sobjects/{name}/describe, /sobjects/{name}/{id} and
// /sobjects/{name}/{externalIdField}/{value}; the caller holds s.mu.
func (s *Server) sobjects(r apiRequest, parts []string) apiResponse {
	if len(parts) == 0 {
		if r.method != http.MethodGet {
			return errMethod(r.method).response()
		}
		return jsonResponse(http.StatusOK, describeGlobal(r.version))
	}
	o := objectNamed(parts[0])
	if o == nil {
		return errType(parts[0]).response()
	}
	t := s.st.tables[o.name]
	switch {
	case len(parts) == 1 && r.method == http.MethodGet:
		return jsonResponse(http.StatusOK, map[string]any{"objectDescribe": o.summary(r.version), "recentItems": []any{}})
	case len(parts) == 1 && r.method == http.MethodPost:
		if t == nil || !o.createable {
			return (&apiError{status: http.StatusBadRequest, code: "INVALID_TYPE_FOR_OPERATION", message: "entity type cannot be inserted: " + o.name}).response()
		}
		body, err := decodeBody(r.body)
		if err != nil {
			return err.response()
		}
		rec, err := s.st.create(t, body, s.cfg.Now())
		if err != nil {
			return err.response()
		}
		resp := jsonResponse(http.StatusCreated, map[string]any{"id": rec.id, "success": true, "errors": []any{}})
		resp.header = map[string]string{"Location": "/services/data/v" + r.version + "/sobjects/" + o.name + "/" + rec.id}
		return resp
	case len(parts) == 1:
		return errMethod(r.method).response()
	case len(parts) == 2 && parts[1] == "describe":
		if r.method != http.MethodGet {
			return errMethod(r.method).response()
		}
		return jsonResponse(http.StatusOK, o.describe(r.version))
	case t == nil:
		return errType(parts[0]).response()
	case len(parts) == 2:
		return s.byID(r, t, parts[1])
	case len(parts) == 3:
		return s.byExternalID(r, t, parts[1], parts[2])
	}
	return errNotFound().response()
}

// byID answers GET, PATCH and DELETE of one record.
func (s *Server) byID(r apiRequest, t *table, id string) apiResponse {
	o := t.obj
	rec := t.lookup(id)
	if rec == nil && !validID(id) && r.method == http.MethodGet {
		return (&apiError{status: http.StatusNotFound, code: "NOT_FOUND",
			message: "Provided external ID field does not exist or is not accessible: " + clip(id)}).response()
	}
	switch r.method {
	case http.MethodGet:
		if rec == nil || rec.deleted {
			return errNotFound().response()
		}
		var only []*field
		if fs := r.query.Get("fields"); fs != "" {
			for _, n := range strings.Split(fs, ",") {
				f := o.fieldNamed(strings.TrimSpace(n))
				if f == nil {
					return invalidColumn(o, strings.TrimSpace(n)).response()
				}
				only = append(only, f)
			}
		}
		return jsonResponse(http.StatusOK, t.render(rec, r.version, only))
	case http.MethodPatch:
		body, err := decodeBody(r.body)
		if err != nil {
			return err.response()
		}
		switch {
		case rec == nil:
			return errNotFound().response()
		case rec.deleted:
			return errDeleted().response()
		}
		if err := s.st.update(t, rec, body, s.cfg.Now()); err != nil {
			return err.response()
		}
		return apiResponse{status: http.StatusNoContent}
	case http.MethodDelete:
		switch {
		case !o.deletable:
			return (&apiError{status: http.StatusBadRequest, code: "INVALID_TYPE_FOR_OPERATION", message: "entity type cannot be deleted"}).response()
		case rec == nil:
			return errNotFound().response()
		case rec.deleted:
			return errDeleted().response()
		}
		s.st.remove(t, rec, s.cfg.Now())
		return apiResponse{status: http.StatusNoContent}
	}
	return errMethod(r.method).response()
}

// byExternalID answers GET of a record by an external id field, and PATCH, the upsert: it updates
// the record holding the value, or creates one with it.
func (s *Server) byExternalID(r apiRequest, t *table, fieldName, rawValue string) apiResponse {
	o := t.obj
	f := o.fieldNamed(fieldName)
	if f == nil || !f.externalID {
		return (&apiError{status: http.StatusNotFound, code: "NOT_FOUND",
			message: "Provided external ID field does not exist or is not accessible: " + clip(fieldName)}).response()
	}
	value, err := url.PathUnescape(rawValue)
	if err != nil || value == "" {
		return errNotFound().response()
	}
	matches := t.findByExternalID(f, value)
	if len(matches) > 1 {
		var urls []string
		for _, m := range matches {
			urls = append(urls, "/services/data/v"+r.version+"/sobjects/"+o.name+"/"+m.id)
		}
		return jsonResponse(http.StatusMultipleChoices, urls)
	}
	switch r.method {
	case http.MethodGet:
		if len(matches) == 0 {
			return errNotFound().response()
		}
		return jsonResponse(http.StatusOK, t.render(matches[0], r.version, nil))
	case http.MethodPatch:
		body, aerr := decodeBody(r.body)
		if aerr != nil {
			return aerr.response()
		}
		for k, v := range body {
			if strings.EqualFold(k, f.name) && fmt.Sprint(v) != value {
				return (&apiError{status: http.StatusBadRequest, code: "INVALID_FIELD", fields: []string{f.name},
					message: fmt.Sprintf("Foreign key external ID: %s not found for field %s in entity %s", value, f.name, o.name)}).response()
			}
		}
		if len(matches) == 1 {
			if aerr := s.st.update(t, matches[0], body, s.cfg.Now()); aerr != nil {
				return aerr.response()
			}
			return jsonResponse(http.StatusOK, map[string]any{"id": matches[0].id, "success": true, "errors": []any{}, "created": false})
		}
		withKey := make(map[string]any, len(body)+1)
		for k, v := range body {
			withKey[k] = v
		}
		withKey[f.name] = value
		rec, aerr := s.st.create(t, withKey, s.cfg.Now())
		if aerr != nil {
			return aerr.response()
		}
		return jsonResponse(http.StatusCreated, map[string]any{"id": rec.id, "success": true, "errors": []any{}, "created": true})
	}
	return errMethod(r.method).response()
}

package emulator

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"time"
)

// maxExportWindow is the longest createdAt/updatedAt range one bulk extract job may cover.
const maxExportWindow = 31 * 24 * time.Hour

// export is a bulk lead extract job: created, enqueued, then completed with its CSV file.
type export struct {
	id        string
	status    string
	fields    []string
	from, to  time.Time
	createdAt time.Time
	file      []byte
	records   int
}

func (e *export) view() map[string]any {
	v := map[string]any{"exportId": e.id, "format": "CSV", "status": e.status, "createdAt": restTime(e.createdAt)}
	if e.status == "Completed" {
		v["numberOfRecords"], v["fileSize"], v["finishedAt"] = e.records, len(e.file), restTime(e.createdAt)
	}
	return v
}

// createExport serves POST /bulk/v1/leads/export/create.json.
func (s *Server) createExport(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Fields []string `json:"fields"`
		Format string   `json:"format"`
		Filter struct {
			CreatedAt *struct {
				StartAt time.Time `json:"startAt"`
				EndAt   time.Time `json:"endAt"`
			} `json:"createdAt"`
		} `json:"filter"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		writeErrors(w, "609", "Invalid JSON")
		return
	}
	if body.Filter.CreatedAt == nil || !body.Filter.CreatedAt.EndAt.After(body.Filter.CreatedAt.StartAt) {
		writeErrors(w, "1003", "A createdAt filter with startAt before endAt is required")
		return
	}
	if body.Filter.CreatedAt.EndAt.Sub(body.Filter.CreatedAt.StartAt) > maxExportWindow {
		writeErrors(w, "1003", "Date range exceeds maximum of 31 days")
		return
	}
	if len(body.Fields) == 0 {
		body.Fields = LeadFields
	}
	for _, f := range body.Fields {
		if !contains(LeadFields, f) {
			writeErrors(w, "1003", "Invalid field '"+f+"'")
			return
		}
	}
	s.mu.Lock()
	e := &export{id: fmt.Sprintf("%08x-%04x-4a6b-8f2c-%012x", len(s.exports)+1, s.leadSeq%0xffff, time.Now().UnixNano()%0xffffffffffff),
		status: "Created", fields: body.Fields, from: body.Filter.CreatedAt.StartAt, to: body.Filter.CreatedAt.EndAt, createdAt: s.cfg.Now()}
	s.exports[e.id] = e
	v := e.view()
	s.mu.Unlock()
	writeResult(w, []map[string]any{v}, nil)
}

// enqueueExport serves POST /bulk/v1/leads/export/{id}/enqueue.json; the emulator completes the job at
// once, snapshotting the leads created in its window.
func (s *Server) enqueueExport(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.exports[r.PathValue("id")]
	if e == nil {
		writeErrors(w, "1003", "Export id not found")
		return
	}
	if e.status != "Created" {
		writeErrors(w, "1029", "Export already queued")
		return
	}
	var ids []int
	for id, l := range s.leads {
		if t, err := time.Parse(time.RFC3339, l["createdAt"].(string)); err == nil && !t.Before(e.from) && t.Before(e.to) {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.Write(e.fields)
	for _, id := range ids {
		row := make([]string, len(e.fields))
		for i, f := range e.fields {
			switch v := s.leads[id][f].(type) {
			case nil:
			case string:
				row[i] = v
			case int:
				row[i] = strconv.Itoa(v)
			default:
				row[i] = fmt.Sprint(v)
			}
		}
		_ = cw.Write(row)
	}
	cw.Flush()
	e.file, e.records, e.status = buf.Bytes(), len(ids), "Completed"
	v := e.view()
	v["status"] = "Queued"
	writeResult(w, []map[string]any{v}, nil)
}

func (s *Server) exportStatus(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	e := s.exports[r.PathValue("id")]
	var v map[string]any
	if e != nil {
		v = e.view()
	}
	s.mu.Unlock()
	if e == nil {
		writeErrors(w, "1003", "Export id not found")
		return
	}
	writeResult(w, []map[string]any{v}, nil)
}

// exportFile serves the CSV file of a completed job, honouring Range requests as Marketo does.
func (s *Server) exportFile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	e := s.exports[r.PathValue("id")]
	var file []byte
	if e != nil && e.status == "Completed" {
		file = e.file
	}
	s.mu.Unlock()
	if file == nil {
		writeErrors(w, "1003", "Export is not completed")
		return
	}
	w.Header().Set("Content-Type", "text/csv")
	http.ServeContent(w, r, "export.csv", time.Time{}, bytes.NewReader(file))
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

package emulator

import (
	"encoding/json"
	"net/http"
	"time"
)

// timeLayout is how QuickBooks writes timestamps: seconds, with the company's UTC offset.
const timeLayout = "2006-01-02T15:04:05-07:00"

// companyZone is the emulated company's time zone (US Pacific, daylight time).
var companyZone = time.FixedZone("PDT", -7*3600)

func stamp(t time.Time) string { return t.In(companyZone).Format(timeLayout) }

// fault is an error answered with Intuit's fault body.
type fault struct {
	status           int
	typ, msg, detail string
	code             string
}

func (f *fault) Error() string { return f.msg + ": " + f.detail }

// notFound is QuickBooks' answer for a missing (or inactive and unusable) object: a 400 validation fault, code 610.
func notFound() *fault {
	return &fault{http.StatusBadRequest, "ValidationFault", "Object Not Found",
		"Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.", "610"}
}

func invalid(detail string) *fault {
	return &fault{http.StatusBadRequest, "ValidationFault", "Request has invalid or unsupported property", detail, "2010"}
}

// writeFault answers with {"Fault": {"Error": [{"Message", "Detail", "code"}], "type"}, "time"}; the
// authentication fault is spelled in lower case, as Intuit's gateway answers it.
func writeFault(w http.ResponseWriter, status int, typ, msg, detail, code string) {
	item := map[string]any{"Message": msg, "Detail": detail, "code": code, "element": ""}
	body := map[string]any{"Fault": map[string]any{"Error": []any{item}, "type": typ}, "time": stamp(time.Now())}
	if typ == "AUTHENTICATION" {
		body = map[string]any{"fault": map[string]any{"error": []any{map[string]any{"message": msg, "detail": detail, "code": code}}, "type": typ}, "time": stamp(time.Now())}
	}
	writeJSON(w, status, body)
}

func (f *fault) write(w http.ResponseWriter) { writeFault(w, f.status, f.typ, f.msg, f.detail, f.code) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"Fault":{"Error":[{"Message":"encoding failed","code":"10000"}],"type":"SystemFault"}}`)
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

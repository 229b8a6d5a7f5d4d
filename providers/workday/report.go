package workday

import (
	"cmp"
	"context"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// A change report is a RaaS custom report the tenant's administrator builds over the collection's
// objects (e.g. on the All Workers data source), filtered by a date-time prompt named Updated_From on
// the objects' last functionally updated moment, shared with the integration system user, and
// exposed as a web service. Each entry must give the object's Workday ID as WID and that moment as
// Last_Updated; the sync names the report in its options as "<owner>/<report name>", for example
// {"workers_report": "ISU_Sequin/Sequin_Workers_Changed"}.
const (
	// reportPrompt is the report's date-time prompt.
	reportPrompt = "Updated_From"
	// reportIDField and reportUpdatedField are the fields read of each entry.
	reportIDField      = "WID"
	reportUpdatedField = "Last_Updated"
)

// promptLayout is how a date-time prompt is written in a RaaS URL.
const promptLayout = "2006-01-02T15:04:05.000-07:00"

// reportEntry is one changed object named by a report.
type reportEntry struct {
	id     string
	moment int64 // Unix ms
}

// runReport asks the report for the objects changed from the moment from (Unix ms) on, oldest first.
func runReport(ctx context.Context, s *providers.Session, t tenant, report string, from int64) ([]reportEntry, error) {
	path, err := t.reportPath(report)
	if err != nil {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: err.Error(), Err: err}
	}
	q := url.Values{"format": {"json"}, reportPrompt: {time.UnixMilli(from).UTC().Format(promptLayout)}}
	var ans struct {
		Entries *[]map[string]any `json:"Report_Entry"`
	}
	resp, err := s.Client.GetJSON(ctx, path, q, nil, &ans)
	if err != nil {
		return nil, err
	}
	if ans.Entries == nil {
		return nil, providers.Malformed(nil, "workday: report %s: answer has no Report_Entry list (HTTP %d, %d bytes)", clip(report), resp.Status, len(resp.Body))
	}
	out := make([]reportEntry, 0, len(*ans.Entries))
	for _, e := range *ans.Entries {
		id, _ := e[reportIDField].(string)
		at, _ := e[reportUpdatedField].(string)
		if id == "" || at == "" {
			return nil, providers.Malformed(nil, "workday: report %s: an entry lacks %s or %s; the report must output both", clip(report), reportIDField, reportUpdatedField)
		}
		m, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			return nil, providers.Malformed(err, "workday: report %s: entry %s: %s %q: %v", clip(report), clip(id), reportUpdatedField, clip(at), err)
		}
		out = append(out, reportEntry{id: id, moment: m.UnixMilli()})
	}
	slices.SortFunc(out, func(a, b reportEntry) int {
		if c := cmp.Compare(a.moment, b.moment); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	return out, nil
}

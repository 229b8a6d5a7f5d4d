package auth0

import (
	"encoding/json"
	"fmt"

	"github.com/sequinsync/sequin/providers"
)

// userCursor resumes a users backfill. Users are listed by updated_at ascending through user search,
// always from page 0 of the window updated_at >= T, so the 1,000-result paging limit of search never
// applies; Skip holds the ids at exactly T already reported and P pages within T when more than a page
// of users share it.
type userCursor struct {
	T    string   `json:"t,omitempty"`
	Skip []string `json:"skip,omitempty"`
	P    int      `json:"p,omitempty"`
}

// changeCursor resumes the users change feed: T is the newest updated_at reported, Seen the versions
// (id → updated_at) reported within the overlap window before T, so that re-reading the overlap never
// reports a version twice, and Log the last tenant log id read for deletes.
type changeCursor struct {
	T    string            `json:"t"`
	Seen map[string]string `json:"seen,omitempty"`
	Log  string            `json:"log,omitempty"`
}

func encodeCursor(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func decodeCursor(raw string, v any) error {
	if raw == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("invalid cursor %q: %v", clip(raw), err), Err: err}
	}
	return nil
}

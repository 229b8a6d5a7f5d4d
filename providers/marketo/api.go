package marketo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// envelope is Marketo's answer: {"requestId", "success", "result": [...], "nextPageToken", "moreResult"}.
type envelope struct {
	Success       *bool             `json:"success"`
	Result        []json.RawMessage `json:"result"`
	NextPageToken string            `json:"nextPageToken"`
	MoreResult    bool              `json:"moreResult"`
}

// call sends one request under the API root and decodes the envelope; errors the transport turned
// into statuses come back classified.
func call(ctx context.Context, s *providers.Session, method, path string, q url.Values, body any) (*envelope, error) {
	req := &providers.Request{Method: method, Path: apiBase(s) + path, Query: q}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "encoding the request: " + err.Error(), Err: err}
		}
		req.Body, req.Header = b, http.Header{"Content-Type": {"application/json"}}
	}
	resp, err := s.Client.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	var env envelope
	if err := resp.DecodeJSON(&env); err != nil {
		return nil, err
	}
	if env.Success == nil {
		return nil, providers.Malformed(nil, "%s: the answer has no success flag", path)
	}
	if !*env.Success {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Status: resp.Status, Message: fmt.Sprintf("%s: unsuccessful without an error code", path)}
	}
	return &env, nil
}

// intOption reads a positive integer sync option within [lo, hi], or def.
func intOption(s *providers.Session, name string, def, lo, hi int) int {
	if n, err := strconv.Atoi(fmt.Sprint(s.Options[name])); err == nil && n >= lo && n <= hi {
		return n
	}
	return def
}

// timeOption reads a time sync option (RFC 3339 or a date), or def.
func timeOption(s *providers.Session, name string, def time.Time) time.Time {
	v := s.Option(name)
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t
		}
	}
	return def
}

// pagingToken asks for a paging token at since.
func pagingToken(ctx context.Context, s *providers.Session, since time.Time) (string, error) {
	env, err := call(ctx, s, http.MethodGet, "/rest/v1/activities/pagingtoken.json", url.Values{"sinceDatetime": {since.UTC().Format(time.RFC3339)}}, nil)
	if err != nil {
		return "", err
	}
	if env.NextPageToken == "" {
		return "", providers.Malformed(nil, "the paging token answer has no nextPageToken")
	}
	return env.NextPageToken, nil
}

// idOf reads an object's numeric id.
func idOf(raw json.RawMessage) (string, error) {
	var h struct {
		ID json.Number `json:"id"`
	}
	if err := json.Unmarshal(raw, &h); err != nil || h.ID == "" {
		return "", providers.Malformed(err, "an object without a numeric id: %s", clip(string(raw)))
	}
	return h.ID.String(), nil
}

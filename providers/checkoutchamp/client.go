package checkoutchamp

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

const (
	// maxPageSize is the API's largest resultsPerPage; the sync option page_size may ask for less.
	maxPageSize = 200
	// dateLayout is how the API renders date-times, in the account's time zone.
	dateLayout = "2006-01-02 15:04:05"
)

// pageSize is the session's resultsPerPage.
func pageSize(s *providers.Session) int {
	n := maxPageSize
	switch v := s.Options["page_size"].(type) {
	case float64:
		n = int(v)
	case int:
		n = v
	case string:
		if i, err := strconv.Atoi(v); err == nil {
			n = i
		}
	}
	return max(1, min(n, maxPageSize))
}

// location is the account's time zone: the sync option time_zone (an IANA name), UTC by default.
func location(s *providers.Session) *time.Location {
	if tz := s.Option("time_zone"); tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc
		}
	}
	return time.UTC
}

// envelope is every answer: {"result": "SUCCESS" | "ERROR", "message": ...}.
type envelope struct {
	Result  string          `json:"result"`
	Message json.RawMessage `json:"message"`
}

// listing is the message of a successful query.
type listing struct {
	TotalResults int64             `json:"totalResults"`
	Page         int               `json:"page"`
	Data         []json.RawMessage `json:"data"`
}

// call posts params to path and returns the message of a successful answer. CheckoutChamp reports
// failures with HTTP 200 and result ERROR; they are classified from the message.
func call(ctx context.Context, s *providers.Session, path string, params url.Values) (json.RawMessage, error) {
	resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodPost, Path: path, Body: []byte(params.Encode()),
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}})
	if err != nil {
		return nil, err
	}
	var env envelope
	if err := resp.DecodeJSON(&env); err != nil {
		return nil, err
	}
	switch env.Result {
	case "SUCCESS":
		return env.Message, nil
	case "ERROR":
		var msg string
		if json.Unmarshal(env.Message, &msg) != nil {
			msg = strings.TrimSpace(string(env.Message))
		}
		return nil, classifyMessage(resp.Status, msg)
	}
	return nil, providers.Malformed(nil, "checkoutchamp: %s: answer has result %q (HTTP %d, %d bytes)", path, clip(env.Result), resp.Status, len(resp.Body))
}

// query runs a query endpoint; "no matching records" is an empty page, not an error.
func query(ctx context.Context, s *providers.Session, path string, params url.Values) (*listing, error) {
	msg, err := call(ctx, s, path, params)
	if providers.IsNotFound(err) {
		return &listing{Data: []json.RawMessage{}}, nil
	}
	if err != nil {
		return nil, err
	}
	var l listing
	if err := json.Unmarshal(msg, &l); err != nil {
		return nil, providers.Malformed(err, "checkoutchamp: %s: %v", path, err)
	}
	if l.Data == nil {
		return nil, providers.Malformed(nil, "checkoutchamp: %s: answer has no data", path)
	}
	return &l, nil
}

// answeredAt is the time of an answer in the account's zone; without a usable clock the local one,
// a minute early to allow for skew.
func answeredAt(resp *providers.Response, loc *time.Location) time.Time {
	now := time.Now()
	if d := resp.Header.Get("Date"); d != "" {
		if t, err := http.ParseTime(d); err == nil && t.Sub(now).Abs() < 24*time.Hour {
			return t.In(loc)
		}
	}
	return now.Add(-time.Minute).In(loc)
}

package stripe

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers/stripe/emulator"
)

// referenceList decodes a list page with encoding/json alone, as listPage did before, refusing objects
// without an id, and a page that is null (encoding/json leaves the list empty; an empty page would end
// a backfill as if the collection had no more objects).
func referenceList(body []byte) (*list, []head, error) {
	if string(bytes.TrimSpace(body)) == "null" {
		return nil, nil, errors.New("a null page")
	}
	var l list
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, nil, err
	}
	heads := make([]head, len(l.Data))
	for i, raw := range l.Data {
		if err := json.Unmarshal(raw, &heads[i]); err != nil {
			return nil, nil, err
		}
		if heads[i].ID == "" {
			return nil, nil, errors.New("an object without an id")
		}
	}
	return &l, heads, nil
}

// FuzzDecodeList: the one-pass list decoding reads what encoding/json reads, and fails where it fails.
func FuzzDecodeList(f *testing.F) {
	for _, s := range []string{
		`{"object":"list","data":[{"id":"cus_1","object":"customer","created":1700000000}],"has_more":true}`,
		`{"object":"list","data":[],"has_more":false}`, `{"object":"list","data":null}`, `{"data":[1]}`,
		`{"data":[{"id":"a","updated":1.5}]}`, `{"data":[{"id":7}]}`, `{"data":{}}`, `{"has_more":"yes"}`,
		`{"data":[{"id":"a\u00e9","deleted":true,"metadata":{"id":"b"}}],"object":"list"}`, `[]`, `{"data":[{"id":"a"},]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		wantL, wantH, wantErr := referenceList(body)
		gotL, gotH, gotErr := decodeList(body)
		if wantErr != nil {
			require.Error(t, gotErr, "encoding/json refused %q: %v", body, wantErr)
			return
		}
		require.NoError(t, gotErr, "%q", body)
		require.Equal(t, wantL.Object, gotL.Object)
		require.Equal(t, wantL.HasMore, gotL.HasMore)
		require.Equal(t, len(wantL.Data), len(gotL.Data))
		for i := range wantL.Data {
			require.JSONEq(t, string(wantL.Data[i]), string(gotL.Data[i]))
		}
		if len(wantH) > 0 || len(gotH) > 0 {
			require.Equal(t, wantH, gotH)
		}
	})
}

// BenchmarkDecodeList decodes list pages of 100 objects as the emulator serves them, one page of each
// collection per iteration.
func BenchmarkDecodeList(b *testing.B) {
	srv := httptest.NewServer(emulator.New(emulator.Config{Seed: 100, RandSeed: 5, SkipSeedEvents: true}))
	defer srv.Close()
	var pages [][]byte
	var size int64
	for _, c := range buildCollections() {
		name := strings.TrimPrefix(c.ID, "stripe:")
		if name == "event" {
			continue
		}
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/"+name+"s?limit=100", nil)
		req.Header.Set("Authorization", "Bearer sk_test_bench")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(b, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(b, err)
		require.Equal(b, http.StatusOK, resp.StatusCode, "%s", body)
		pages = append(pages, body)
		size += int64(len(body))
	}
	b.SetBytes(size)
	for b.Loop() {
		for _, p := range pages {
			if _, heads, err := decodeList(p); err != nil || len(heads) == 0 {
				b.Fatalf("%d heads, %v", len(heads), err)
			}
		}
	}
}

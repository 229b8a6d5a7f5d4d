package airtable

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func encodeRaw(json string) string {
	return cursorPrefix + base64.RawURLEncoding.EncodeToString([]byte(json))
}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	b := backfillCursor{Offset: "itrABC/recXYZ", Index: 7}
	got, err := parseBackfillCursor(b.String())
	if b.T = "b"; err != nil || got != b {
		t.Errorf("backfill cursor round trip: %+v, %v", got, err)
	}
	c := &changeCursor{Since: 1_700_000_000_000, Poll: 1_700_000_060_000, Query: 1_700_000_000_000, Offset: "itrA/recB",
		Seen: map[string][2]int64{"rec01234567890123": {1_700_000_060_000, -5}}, Payload: 42}
	back, err := parseChangeCursor(c.String())
	if err != nil || back.Since != c.Since || back.Poll != c.Poll || back.Offset != c.Offset || back.Payload != 42 || back.Seen["rec01234567890123"] != [2]int64{1_700_000_060_000, -5} {
		t.Errorf("change cursor round trip: %+v, %v", back, err)
	}
}

func TestCursorsRefuseGarbage(t *testing.T) {
	t.Parallel()
	for name, s := range map[string]string{
		"no prefix":     "itrABC/recXYZ",
		"bad base64":    cursorPrefix + "%%%",
		"change cursor": (&changeCursor{Since: 1}).String(),
		"unknown field": encodeRaw(`{"t":"b","x":1}`),
		"trailing":      encodeRaw(`{"t":"b"}{}`),
		"long offset":   encodeRaw(`{"t":"b","o":"` + strings.Repeat("a", maxOffset+1) + `"}`),
		"negative":      encodeRaw(`{"t":"b","i":-1}`),
	} {
		if _, err := parseBackfillCursor(s); !errors.Is(err, errCursor) {
			t.Errorf("backfill cursor (%s): %v, want an invalid-cursor error", name, err)
		}
	}
	for name, s := range map[string]string{
		"empty":               "",
		"backfill cursor":     backfillCursor{}.String(),
		"negative since":      encodeRaw(`{"t":"c","s":-1}`),
		"time past 9999":      encodeRaw(`{"t":"c","s":1,"p":253402300800000}`),
		"offset without poll": encodeRaw(`{"t":"c","s":1,"o":"itrA/recB"}`),
		"seen not a record":   encodeRaw(`{"t":"c","s":1,"h":{"tbl01234567890123":[1,2]}}`),
		"negative payload":    encodeRaw(`{"t":"c","s":1,"w":-3}`),
		"too long":            cursorPrefix + strings.Repeat("A", maxCursor),
	} {
		if _, err := parseChangeCursor(s); !errors.Is(err, errCursor) {
			t.Errorf("change cursor (%s): %v, want an invalid-cursor error", name, err)
		}
	}
}

func TestSeenRecords(t *testing.T) {
	t.Parallel()
	c := &changeCursor{}
	if !c.fresh("rec01234567890123", 1000, []byte(`{"a":1}`)) || c.fresh("rec01234567890123", 2000, []byte(`{"a":1}`)) {
		t.Fatal("a record is fresh the first time and not again unchanged")
	}
	if !c.fresh("rec01234567890123", 3000, []byte(`{"a":2}`)) {
		t.Fatal("a changed record is not fresh")
	}
	c.prune(3001)
	if c.Seen != nil {
		t.Errorf("records seen before the watermark are kept: %v", c.Seen)
	}
	for i := range maxSeen + 5 {
		c.fresh("rec"+strings.Repeat("0", 14-len(itoa(i)))+itoa(i), int64(i), []byte(itoa(i)))
	}
	c.prune(0)
	if len(c.Seen) != maxSeen {
		t.Fatalf("kept %d records, want %d", len(c.Seen), maxSeen)
	}
	if _, ok := c.Seen["rec00000000000000"]; ok {
		t.Error("the oldest record is kept beyond the bound")
	}
}

func itoa(i int) string {
	s := ""
	for {
		s = string(rune('0'+i%10)) + s
		if i /= 10; i == 0 {
			return s
		}
	}
}

func FuzzParseChangeCursor(f *testing.F) {
	f.Add((&changeCursor{Since: 5, Poll: 6, Offset: "itrA/recB", Payload: 3}).String())
	f.Add(encodeRaw(`{"t":"c","s":1,"h":{"rec01234567890123":[1,2]}}`))
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseChangeCursor(s)
		if err != nil {
			return
		}
		again, err := parseChangeCursor(c.String())
		if err != nil || again.Since != c.Since || again.Offset != c.Offset || len(again.Seen) != len(c.Seen) {
			t.Fatalf("re-encoding changed the cursor: %+v vs %+v (%v)", c, again, err)
		}
	})
}

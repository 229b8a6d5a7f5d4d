package github

import (
	"cmp"
	"context"
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// Change feeds poll each selected repository with an updated-since filter. A repository's watermark
// trails the newest update seen by the collection's overlap, so that an update committed late with
// an earlier timestamp, or a second update within the same second, is still listed; objects listed
// again within the overlap are recognized by their content hash and not reported again. A listing
// moves on by time rather than by page number where it can, so that objects updated while it runs
// (which move to its end) never shift unread ones onto pages already read.

const (
	// maxChangeRequests bounds the requests of one Changes call.
	maxChangeRequests = 10
	// maxChangeRecords ends a Changes call once this many records are gathered.
	maxChangeRecords = pageSize
)

// checkpoint returns a change cursor for now, by GitHub's clock (GET /rate_limit costs no rate limit),
// less the overlap.
func (p *Provider) checkpoint(ctx context.Context, s *providers.Session, k *kind) (string, error) {
	resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodGet, Path: "/rate_limit"})
	if err != nil {
		return "", err
	}
	c := &changeCursor{Since: fetchedAt(resp).Add(-k.overlap).Unix()}
	return c.String(), nil
}

// changes continues the current round over the selected repositories, a few listings per call.
func (p *Provider) changes(ctx context.Context, s *providers.Session, k *kind, cur string) (*providers.Changes, error) {
	c, err := parseChangeCursor(cur)
	if err != nil {
		return nil, cursorError(err)
	}
	sel, err := selectionOf(s)
	if err != nil {
		return nil, err
	}
	repos, err := p.selectedRepos(ctx, s, sel)
	if err != nil {
		return nil, err
	}
	i := firstAtOrAfter(repos, c.Repo)
	if c.Repo != "" && (i >= len(repos) || strings.ToLower(repos[i].FullName) != c.Repo) {
		if m := c.Marks[c.Repo]; m != nil {
			m.abandon() // the repository left the selection mid-listing
		}
	}
	out := &providers.Changes{}
	for requests := 0; i < len(repos) && requests < maxChangeRequests && len(out.Records) < maxChangeRecords; requests++ {
		r := repos[i]
		name := strings.ToLower(r.FullName)
		if k.needsIssues && !r.HasIssues {
			i++
			continue
		}
		m := c.markOf(name)
		recs, done, err := k.step(ctx, s, r.FullName, m)
		if err != nil {
			if !skippable(err) {
				return nil, err
			}
			m.abandon()
			done = true
		}
		out.Records = append(out.Records, recs...)
		if done {
			c.settle(name)
			i++
		}
	}
	if i < len(repos) {
		c.Repo, out.More = strings.ToLower(repos[i].FullName), true
	} else {
		c.Repo = ""
		c.forgetUnselected(repos)
	}
	slices.SortStableFunc(out.Records, func(a, b providers.Record) int { return a.UpdatedAt.Compare(b.UpdatedAt) })
	out.NextCursor = c.String()
	return out, nil
}

// settle drops a finished repository's mark when it says no more than the default watermark.
func (c *changeCursor) settle(name string) {
	if m := c.Marks[name]; m != nil && m.Since <= c.Since && m.Page == 0 && len(m.Seen) == 0 {
		delete(c.Marks, name)
	}
}

// forgetUnselected drops the marks of repositories no longer selected, at the end of a round.
func (c *changeCursor) forgetUnselected(repos []repoInfo) {
	for name := range c.Marks {
		if !slices.ContainsFunc(repos, func(r repoInfo) bool { return strings.ToLower(r.FullName) == name }) {
			delete(c.Marks, name)
		}
	}
	if len(c.Marks) == 0 {
		c.Marks = nil
	}
}

// abandon stops a listing in progress; the next round lists from the watermark again.
func (m *mark) abandon() { m.Query, m.Page, m.Top = 0, 0, 0 }

// finish ends a listing: the watermark moves to the newest update seen, less the overlap.
func (m *mark) finish(overlap time.Duration) {
	if m.Top > 0 {
		m.Since = max(m.Since, m.Top-int64(overlap/time.Second))
	}
	m.abandon()
	m.prune(m.Since)
}

// fresh reports whether an object differs from what was last reported of it, and remembers it.
func (m *mark) fresh(key string, updated int64, raw []byte) bool {
	h := fnv.New64a()
	h.Write(raw)
	sum := int64(h.Sum64())
	if seen, ok := m.Seen[key]; ok && seen[1] == sum {
		if updated > seen[0] {
			m.Seen[key] = [2]int64{updated, sum}
		}
		return false
	}
	if m.Seen == nil {
		m.Seen = map[string][2]int64{}
	}
	m.Seen[key] = [2]int64{updated, sum}
	return true
}

// iso formats a watermark for a since parameter.
func iso(unix int64) string { return time.Unix(unix, 0).UTC().Format(time.RFC3339) }

// step reads one page of a repository's change listing and reports whether the listing is done.
func (k *kind) step(ctx context.Context, s *providers.Session, repo string, m *mark) ([]providers.Record, bool, error) {
	pageNo := max(m.Page, 1)
	var path string
	switch k.feed {
	case feedSince:
		since := cmp.Or(m.Query, m.Since)
		q := "since=" + iso(since) + "&sort=updated&direction=asc&per_page=" + strconv.Itoa(pageSize)
		if k.segment == "issues" {
			q = "state=all&" + q
		}
		path = repoPath(repo) + "/" + k.segment + "?" + q
	case feedUpdatedDesc:
		path = repoPath(repo) + "/" + k.segment + "?state=all&sort=updated&direction=desc&per_page=" + strconv.Itoa(pageSize)
	case feedCommits:
		path = repoPath(repo) + "/commits?since=" + iso(m.Since) + "&per_page=" + strconv.Itoa(pageSize)
	}
	if pageNo > 1 {
		path += "&page=" + strconv.Itoa(pageNo)
	}
	pg, err := fetchPage(ctx, s, path)
	if err != nil {
		return nil, false, err
	}
	var recs []providers.Record
	done := pg.next == ""
	last := int64(0)
	for _, raw := range pg.items {
		h, err := k.decodeHead(raw, "GET "+stripQuery(path))
		if err != nil {
			return nil, false, err
		}
		at := k.updated(h, pg.at)
		upd := at.Unix()
		if k.feed == feedUpdatedDesc && upd < m.Since {
			done = true // newest first: the rest is older than the watermark
			break
		}
		last = upd
		m.Top = max(m.Top, upd)
		if !k.keep(h) || !m.fresh(k.localKey(h), upd, raw) {
			continue
		}
		recs = append(recs, providers.Record{ID: k.recordID(repo, h), UpdatedAt: at, Data: raw})
	}
	if k.feed != feedSince {
		slices.Reverse(recs) // listed newest first
	}
	if done {
		m.finish(k.overlap)
		return recs, true, nil
	}
	if since := cmp.Or(m.Query, m.Since); k.feed == feedSince && last > since {
		m.Query, m.Page = last, 1
	} else {
		m.Page = pageNo + 1
	}
	m.prune(cmp.Or(m.Query, m.Since) - int64(k.overlap/time.Second))
	return recs, false, nil
}

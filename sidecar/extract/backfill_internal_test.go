package extract

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
)

func testPage(from, n int, next string) *providers.Page {
	p := &providers.Page{NextCursor: next, Total: -1}
	for i := range n {
		p.Records = append(p.Records, providers.Record{ID: fmt.Sprint(from + i)})
	}
	return p
}

func recordIDs(p *providers.Page) []string {
	var ids []string
	for _, r := range p.Records {
		ids = append(ids, r.ID)
	}
	return ids
}

// Pages waiting when one is merged join it, in order, up to mergeRecords records, and never past the
// last page or a failed fetch; the first page is left as it was.
func TestTakeReady(t *testing.T) {
	ch := make(chan fetchedPage, fetchAhead)
	first := testPage(0, 100, "c1")

	page, n, err := takeReady(first, ch)
	require.NoError(t, err)
	require.Equal(t, 1, n, "nothing waiting: the page alone")
	require.Same(t, first, page)

	for i := 1; i < fetchAhead; i++ {
		ch <- fetchedPage{page: testPage(i*100, 100, fmt.Sprintf("c%d", i+1))}
	}
	page, n, err = takeReady(first, ch)
	require.NoError(t, err)
	want := min(fetchAhead, mergeRecords/100)
	require.Equal(t, want, n)
	require.Len(t, page.Records, want*100)
	require.Equal(t, fmt.Sprintf("c%d", want), page.NextCursor)
	require.Equal(t, "0", page.Records[0].ID)
	require.Equal(t, fmt.Sprint(want*100-1), page.Records[len(page.Records)-1].ID)
	require.Len(t, first.Records, 100, "the first page is not changed")
	for len(ch) > 0 {
		<-ch
	}

	last := testPage(100, 20, "")
	last.Done = true
	ch <- fetchedPage{page: last}
	ch <- fetchedPage{page: testPage(120, 10, "stray")}
	page, n, err = takeReady(first, ch)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	require.True(t, page.Done, "the last page ends the merge")
	require.Len(t, page.Records, 120)
	<-ch

	boom := errors.New("upstream failed")
	ch <- fetchedPage{page: testPage(100, 100, "c2")}
	ch <- fetchedPage{err: boom}
	page, n, err = takeReady(first, ch)
	require.ErrorIs(t, err, boom, "a failed fetch is reported after the pages before it")
	require.Equal(t, 2, n)
	require.Equal(t, "c2", page.NextCursor)
	require.Equal(t, recordIDs(testPage(0, 200, "")), recordIDs(page))

	close(ch)
	page, n, err = takeReady(first, ch)
	require.NoError(t, err)
	require.Equal(t, 1, n, "a closed channel ends the merge")
	require.Same(t, first, page)
}

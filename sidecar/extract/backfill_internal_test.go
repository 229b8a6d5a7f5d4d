package extract

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

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

// At most BackfillWrites pages are written at once; the next waits for a turn to end, and gives up
// when its job is cancelled.
func TestBackfillWritesTakeTurns(t *testing.T) {
	t.Parallel()
	e := &Engine{BackfillWrites: 2}
	ctx := context.Background()
	end1, err := e.startBackfillWrite(ctx)
	require.NoError(t, err)
	end2, err := e.startBackfillWrite(ctx)
	require.NoError(t, err)

	third := make(chan func(), 1)
	go func() {
		end, err := e.startBackfillWrite(ctx)
		if err == nil {
			third <- end
		}
	}()
	select {
	case <-third:
		t.Fatal("a third write started while two were running")
	case <-time.After(100 * time.Millisecond):
	}
	end1()
	select {
	case end3 := <-third:
		end3()
	case <-time.After(5 * time.Second):
		t.Fatal("the third write did not start when the first ended")
	}

	cctx, cancel := context.WithCancel(ctx)
	end4, err := e.startBackfillWrite(ctx)
	require.NoError(t, err)
	cancel()
	_, err = e.startBackfillWrite(cctx)
	require.ErrorIs(t, err, context.Canceled, "two writes are running: a cancelled job stops waiting")
	end2()
	end4()

	d := &Engine{}
	end, err := d.startBackfillWrite(ctx)
	require.NoError(t, err)
	end()
	require.Equal(t, DefaultBackfillWrites, cap(d.writes), "the default")
}

package emulatorkit

import (
	"strings"
	"sync"
)

// Queue holds injected faults of an emulator's own type T, each matching requests by method and
// path prefix and lasting a number of uses. Faults are matched in the order they were pushed. Its
// zero value is an empty queue.
type Queue[T any] struct {
	mu     sync.Mutex
	faults []*queued[T]
}

type queued[T any] struct {
	fault      T
	method     string
	pathPrefix string
	left       int
}

// Push queues fault for the next count requests (at least one) whose method is method (any when
// "", compared case-insensitively) and whose path starts with pathPrefix.
func (q *Queue[T]) Push(fault T, method, pathPrefix string, count int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.faults = append(q.faults, &queued[T]{fault: fault, method: method, pathPrefix: pathPrefix, left: max(count, 1)})
}

// Take consumes one use of the first fault matching a request and returns a copy of it, or nil.
func (q *Queue[T]) Take(method, path string) *T {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, f := range q.faults {
		if (f.method == "" || strings.EqualFold(f.method, method)) && strings.HasPrefix(path, f.pathPrefix) {
			f.left--
			if f.left <= 0 {
				q.faults = append(q.faults[:i], q.faults[i+1:]...)
			}
			c := f.fault
			return &c
		}
	}
	return nil
}

// Len returns the number of faults still queued.
func (q *Queue[T]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.faults)
}

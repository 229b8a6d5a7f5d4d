package emulator

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// HookID is the id of the emulated webhook, sent in X-GitHub-Hook-ID.
const HookID = 470118

// Sign returns the X-Hub-Signature-256 value of a payload: "sha256=" and the hex HMAC-SHA256 of the
// body keyed with the webhook's secret.
func Sign(secret string, payload []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(payload)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// signSHA1 is the legacy X-Hub-Signature value GitHub still sends beside the SHA-256 one.
func signSHA1(secret string, payload []byte) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write(payload)
	return "sha1=" + hex.EncodeToString(mac.Sum(nil))
}

// WebhookHeader returns the headers GitHub sends with a delivery of event: the event name, a fresh
// delivery id, the hook's ids and, when secret is set, both signatures.
func WebhookHeader(event string, payload []byte, secret string, installationTarget int64) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "GitHub-Hookshot/8e6f5c1")
	h.Set("X-GitHub-Event", event)
	h.Set("X-GitHub-Delivery", deliveryID())
	h.Set("X-GitHub-Hook-ID", strconv.Itoa(HookID))
	h.Set("X-GitHub-Hook-Installation-Target-ID", strconv.FormatInt(installationTarget, 10))
	h.Set("X-GitHub-Hook-Installation-Target-Type", "organization")
	if secret != "" {
		h.Set("X-Hub-Signature", signSHA1(secret, payload))
		h.Set("X-Hub-Signature-256", Sign(secret, payload))
	}
	return h
}

// deliveryID returns a random GUID.
func deliveryID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// emit queues a webhook delivery; it runs with the server's lock held and never blocks.
func (s *Server) emit(event string, payload map[string]any) {
	if s.hooks == nil {
		return
	}
	s.hooks.enqueue(event, mustJSON(payload))
}

// Webhook returns a signed delivery about an existing object, as GitHub would send when it is edited
// (a push for a commit, member_added for a member), without changing anything.
func (s *Server) Webhook(collection, id string) (http.Header, []byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	var event string
	var pl map[string]any
	switch collection = strings.TrimPrefix(collection, "github:"); collection {
	case "repositories":
		r := st.repoByName[strings.ToLower(id)]
		if r == nil || r.deleted {
			return nil, nil, fmt.Errorf("emulator: no repository %s", id)
		}
		event, pl = "repository", st.payload("edited", r, st.viewer)
		pl["changes"] = map[string]any{}
	case "issues", "pull_requests":
		x, err := s.lookupIssue(collection, id)
		if err != nil {
			return nil, nil, err
		}
		event, pl = "issues", st.issuePayload("edited", x, st.viewer)
		if x.pr != nil {
			event = "pull_request"
		}
		pl["changes"] = map[string]any{}
	case "issue_comments":
		c, err := s.lookupComment(id)
		if err != nil {
			return nil, nil, err
		}
		event, pl = "issue_comment", st.payload("edited", c.repo, st.viewer)
		pl["issue"], pl["comment"], pl["changes"] = st.issueRaw(c.issue), st.commentRaw(c), map[string]any{}
	case "commits":
		c, err := s.lookupCommit(id)
		if err != nil {
			return nil, nil, err
		}
		event, pl = "push", st.payload("", c.repo, st.viewer)
		pc := map[string]any{"id": c.sha, "tree_id": c.tree, "distinct": true, "message": c.message,
			"timestamp": ts(c.authorDate), "url": st.cfg.WebURL + "/" + c.repo.fullName() + "/commit/" + c.sha,
			"author":    map[string]any{"name": c.authorName, "email": c.authorEmail},
			"committer": map[string]any{"name": c.committerName, "email": c.committerMail},
			"added":     []string{}, "removed": []string{}, "modified": c.files}
		before := strings.Repeat("0", 40)
		if len(c.parents) > 0 {
			before = c.parents[0]
		}
		pl["ref"], pl["before"], pl["after"] = "refs/heads/"+c.repo.defaultBranch, before, c.sha
		pl["commits"], pl["head_commit"] = []any{pc}, pc
		pl["pusher"] = map[string]any{"name": st.viewer.login, "email": st.viewer.email}
	case "releases":
		x, err := s.lookupRelease(id)
		if err != nil {
			return nil, nil, err
		}
		event, pl = "release", st.payload("edited", x.repo, st.viewer)
		pl["release"], pl["changes"] = st.releaseRaw(x), map[string]any{}
	case "members":
		u := st.userByLogin(id)
		if u == nil || !u.member {
			return nil, nil, fmt.Errorf("emulator: no member %s", id)
		}
		event, pl = "organization", st.payload("member_added", nil, st.viewer)
		pl["membership"] = st.membershipJSON(u)
	default:
		return nil, nil, fmt.Errorf("emulator: unknown collection %q", collection)
	}
	body := mustJSON(pl)
	return WebhookHeader(event, body, s.cfg.WebhookSecret, st.org.id), body, nil
}

type hookItem struct {
	event   string
	payload []byte
}

// Delivery is one webhook delivery attempt, for tests and the command line.
type Delivery struct {
	// Event is the X-GitHub-Event value.
	Event string
	// Status is the receiver's HTTP status, 0 when it could not be reached.
	Status int
	// Time is when the delivery was attempted.
	Time time.Time
}

// webhooks delivers events to one endpoint, in order, from a single goroutine started on first use.
// Like GitHub it does not retry a failed delivery.
type webhooks struct {
	url, secret string
	target      int64 // the organization's id, sent as the hook's installation target
	client      *http.Client
	log         *slog.Logger

	mu         sync.Mutex
	queue      []hookItem
	deliveries []Delivery
	wake       chan struct{}
	started    bool
	closed     bool
	ctx        context.Context
	cancel     context.CancelFunc
	done       chan struct{}
}

func newWebhooks(url, secret string, log *slog.Logger) *webhooks {
	ctx, cancel := context.WithCancel(context.Background())
	return &webhooks{url: url, secret: secret, log: log, client: &http.Client{Timeout: 10 * time.Second},
		wake: make(chan struct{}, 1), ctx: ctx, cancel: cancel, done: make(chan struct{})}
}

// enqueue queues a delivery; it never blocks.
func (h *webhooks) enqueue(event string, payload []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.queue = append(h.queue, hookItem{event, payload})
	if !h.started {
		h.started = true
		go h.run()
	}
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

func (h *webhooks) run() {
	defer close(h.done)
	for {
		h.mu.Lock()
		if len(h.queue) == 0 {
			h.mu.Unlock()
			select {
			case <-h.wake:
				continue
			case <-h.ctx.Done():
				return
			}
		}
		item := h.queue[0]
		h.queue[0] = hookItem{}
		h.queue = h.queue[1:]
		h.mu.Unlock()
		status, err := h.post(item)
		if err != nil {
			h.log.Warn("webhook delivery failed", "event", item.event, "error", err)
		}
		h.mu.Lock()
		if len(h.deliveries) >= maxRequestLog {
			h.deliveries = h.deliveries[len(h.deliveries)/2:]
		}
		h.deliveries = append(h.deliveries, Delivery{Event: item.event, Status: status, Time: time.Now()})
		h.mu.Unlock()
		if h.ctx.Err() != nil {
			return
		}
	}
}

func (h *webhooks) post(item hookItem) (int, error) {
	req, err := http.NewRequestWithContext(h.ctx, http.MethodPost, h.url, bytes.NewReader(item.payload))
	if err != nil {
		return 0, fmt.Errorf("building webhook request: %w", err)
	}
	req.Header = WebhookHeader(item.event, item.payload, h.secret, h.target)
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("posting webhook: %w", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("webhook endpoint answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// close stops delivery; queued deliveries are dropped.
func (h *webhooks) close() {
	h.mu.Lock()
	h.closed = true
	started := h.started
	h.mu.Unlock()
	h.cancel()
	if started {
		<-h.done
	}
}

// Deliveries returns the webhook deliveries attempted so far, oldest first.
func (s *Server) Deliveries() []Delivery {
	if s.hooks == nil {
		return nil
	}
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	return append([]Delivery(nil), s.hooks.deliveries...)
}

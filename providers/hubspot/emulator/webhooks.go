package emulator

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Event is one webhook event, as HubSpot's webhooks API sends them in batches (a JSON array).
type Event struct {
	EventID          int64  `json:"eventId"`
	SubscriptionID   int64  `json:"subscriptionId"`
	PortalID         int64  `json:"portalId"`
	AppID            int64  `json:"appId"`
	OccurredAt       int64  `json:"occurredAt"`
	SubscriptionType string `json:"subscriptionType"`
	AttemptNumber    int    `json:"attemptNumber"`
	ObjectID         int64  `json:"objectId"`
	ChangeSource     string `json:"changeSource"`
	ChangeFlag       string `json:"changeFlag,omitempty"`
	PropertyName     string `json:"propertyName,omitempty"`
	PropertyValue    string `json:"propertyValue,omitempty"`
}

// subscriptionIDs number the subscriptions of the emulated app, one per event kind.
var subscriptionIDs = map[string]int64{"creation": 1001, "propertyChange": 1002, "deletion": 1003}

// newEvent builds an event about an object; s.mu must be held.
func (s *Server) newEvent(t *objectType, id int64, kind, prop, value, source string) Event {
	s.st.eventID++
	ev := Event{EventID: s.st.eventID, SubscriptionID: subscriptionIDs[kind], PortalID: s.cfg.PortalID,
		AppID: s.cfg.AppID, OccurredAt: s.nowMs(), SubscriptionType: t.singular + "." + kind, ObjectID: id, ChangeSource: source,
		PropertyName: prop, PropertyValue: value}
	switch kind {
	case "creation":
		ev.ChangeFlag = "NEW"
	case "deletion":
		ev.ChangeFlag = "DELETED"
	}
	return ev
}

// emit queues the webhook of a change; s.mu must be held.
func (s *Server) emit(t *objectType, id int64, kind, prop, value, source string) {
	if s.hooks == nil {
		return
	}
	s.hooks.enqueue(s.newEvent(t, id, kind, prop, value, source))
}

// SignWebhook returns the headers HubSpot sends with a request to uri: the v3 signature (base64 of the
// HMAC-SHA256, keyed by the app's client secret, of method + URI + body + timestamp, the URI taken with
// the percent-encodings of : / ? @ ! $ ' ( ) * , ; decoded), its timestamp in milliseconds, and the v1
// signature (hex SHA-256 of the secret followed by the body) that webhook subscriptions carry for
// backwards compatibility.
func SignWebhook(secret, method, uri string, body []byte, at time.Time) http.Header {
	ts := strconv.FormatInt(at.UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(method + signedURI.Replace(uri)))
	mac.Write(body)
	mac.Write([]byte(ts))
	v1 := sha256.Sum256(append([]byte(secret), body...))
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-HubSpot-Request-Timestamp", ts)
	h.Set("X-HubSpot-Signature-v3", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	h.Set("X-HubSpot-Signature", hex.EncodeToString(v1[:]))
	h.Set("X-HubSpot-Signature-Version", "v1")
	return h
}

// signedURI decodes the characters HubSpot's v3 signature takes decoded in the request URI.
var signedURI = strings.NewReplacer(
	"%3A", ":", "%2F", "/", "%3F", "?", "%40", "@", "%21", "!", "%24", "$",
	"%27", "'", "%28", "(", "%29", ")", "%2A", "*", "%2C", ",", "%3B", ";",
	"%3a", ":", "%2f", "/", "%3f", "?", "%2a", "*", "%2c", ",", "%3b", ";")

// DefaultWebhookURL is the target URL SignedWebhook signs for when Config.WebhookURL is empty.
const DefaultWebhookURL = "https://sequin.example.com/webhooks/hubspot"

// SignedWebhook returns a delivery about an existing object (one propertyChange event) as HubSpot would
// POST it at the given time: the target URL it is signed for, the headers and the body.
func (s *Server) SignedWebhook(objectType, id string, at time.Time) (uri string, header http.Header, body []byte, err error) {
	t := typeByName(objectType)
	if t == nil {
		return "", nil, nil, fmt.Errorf("emulator: %s has no webhooks", objectType)
	}
	s.mu.Lock()
	o := s.st.tables[t.name].lookup(id, "")
	var ev Event
	if o != nil {
		v, _ := t.value(o, t.defaults[0])
		ev = s.newEvent(t, o.id, "propertyChange", t.defaults[0], v, "CRM_UI")
		ev.OccurredAt = at.UnixMilli()
	}
	s.mu.Unlock()
	if o == nil {
		return "", nil, nil, fmt.Errorf("emulator: no %s %s", t.name, id)
	}
	body, _ = json.Marshal([]Event{ev})
	uri = s.cfg.WebhookURL
	if uri == "" {
		uri = DefaultWebhookURL
	}
	return uri, SignWebhook(s.cfg.WebhookSecret, http.MethodPost, uri, body, at), body, nil
}

// webhooks delivers events to the configured URL in batches of up to 100, retrying failed deliveries a
// few times, as HubSpot does.
type webhooks struct {
	url, secret string
	log         *slog.Logger
	client      *http.Client

	mu      sync.Mutex
	queue   []Event
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	stopped bool
}

func newWebhooks(url, secret string, log *slog.Logger) *webhooks {
	w := &webhooks{url: url, secret: secret, log: log, client: &http.Client{Timeout: 10 * time.Second},
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

// enqueue adds an event for delivery.
func (w *webhooks) enqueue(ev Event) {
	w.mu.Lock()
	if !w.stopped {
		w.queue = append(w.queue, ev)
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// close stops delivery; undelivered events are dropped.
func (w *webhooks) close() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
	close(w.stop)
	<-w.done
}

func (w *webhooks) run() {
	defer close(w.done)
	for {
		select {
		case <-w.stop:
			return
		case <-w.wake:
		}
		// Let a burst of changes gather into one batch.
		select {
		case <-w.stop:
			return
		case <-time.After(20 * time.Millisecond):
		}
		for {
			w.mu.Lock()
			n := min(len(w.queue), 100)
			batch := append([]Event(nil), w.queue[:n]...)
			w.queue = w.queue[n:]
			w.mu.Unlock()
			if n == 0 {
				break
			}
			w.deliver(batch)
		}
	}
}

// deliver POSTs one batch, retrying with backoff.
func (w *webhooks) deliver(batch []Event) {
	for attempt := range 4 {
		for i := range batch {
			batch[i].AttemptNumber = attempt
		}
		body, _ := json.Marshal(batch)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
		if err == nil {
			req.Header = SignWebhook(w.secret, http.MethodPost, w.url, body, time.Now())
			var resp *http.Response
			resp, err = w.client.Do(req)
			if err == nil {
				_ = resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					cancel()
					return
				}
				err = fmt.Errorf("HTTP %d", resp.StatusCode)
			}
		}
		cancel()
		w.log.Warn("webhook delivery failed", "url", w.url, "attempt", attempt, "error", err)
		select {
		case <-w.stop:
			return
		case <-time.After(time.Duration(200<<attempt) * time.Millisecond):
		}
	}
}

package hubspot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"

	"golang.org/x/time/rate"

	"github.com/sequinsync/sequin/providers"
)

// SearchRate is the pace of search requests per account: HubSpot allows the search endpoints a few
// requests per second (four, later five) on top of the general budget, and answers more with 429s.
// The sync option "search_requests_per_second" overrides it.
const SearchRate = 4

// searchLimiters paces search requests per account (API base URL and credential) within this process.
var searchLimiters sync.Map // key -> *rate.Limiter

// paceSearch waits until a search request may be sent.
func paceSearch(ctx context.Context, s *providers.Session) error {
	perSecond := float64(SearchRate)
	switch v := s.Options["search_requests_per_second"].(type) {
	case float64:
		perSecond = v
	case int:
		perSecond = float64(v)
	case string:
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			perSecond = f
		}
	}
	if perSecond <= 0 {
		return nil
	}
	key := fmt.Sprintf("%s|%s|%g", s.Client.BaseURL, accountKey(s.Credential), perSecond)
	l, _ := searchLimiters.LoadOrStore(key, rate.NewLimiter(rate.Limit(perSecond), 1))
	if err := l.(*rate.Limiter).Wait(ctx); err != nil {
		return fmt.Errorf("hubspot: waiting for the search rate limit: %w", err)
	}
	return nil
}

// accountKey identifies the account a credential reaches without keeping its secret: the credential's
// id, or a hash of its token.
func accountKey(c providers.Credential) string {
	if c.ID != "" {
		return c.ID
	}
	if hub := c.String("hub_id"); hub != "" {
		return "hub:" + hub
	}
	sum := sha256.Sum256([]byte(c.String("access_token") + "\x00" + c.String("refresh_token")))
	return hex.EncodeToString(sum[:8])
}

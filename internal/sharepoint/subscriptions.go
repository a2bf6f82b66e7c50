package sharepoint

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"
)

// MaxSubscriptionLife is the longest a list webhook subscription may live:
// SharePoint refuses an expirationDateTime more than 180 days ahead.
const MaxSubscriptionLife = 180 * 24 * time.Hour

// Subscription is a list webhook subscription as SharePoint returns it.
type Subscription struct {
	ID                 string    `json:"id"`
	Resource           string    `json:"resource"`
	NotificationURL    string    `json:"notificationUrl"`
	ExpirationDateTime time.Time `json:"expirationDateTime"`
}

// subscriptionsPath is the list's subscriptions collection.
func (c *Client) subscriptionsPath(listID string) string {
	return c.siteURL + "/_api/web/lists('" + url.PathEscape(listID) + "')/subscriptions"
}

// CreateSubscription subscribes notificationURL to the list's changes until
// expiration, with clientState sent back in every notification. SharePoint
// validates the URL during this call (a POST with validationtoken that must
// be echoed within 5 seconds) and fails the call when it cannot.
func (c *Client) CreateSubscription(ctx context.Context, listID, notificationURL string, expiration time.Time, clientState string) (Subscription, error) {
	body, err := json.Marshal(map[string]string{
		"resource":           c.siteURL + "/_api/web/lists('" + listID + "')",
		"notificationUrl":    notificationURL,
		"expirationDateTime": expiration.UTC().Format(time.RFC3339),
		"clientState":        clientState,
	})
	if err != nil {
		return Subscription{}, fmt.Errorf("sharepoint: subscription: %w", err)
	}
	rep, err := c.send(ctx, call{method: "POST", url: c.subscriptionsPath(listID), body: body, contentType: "application/json"})
	if err != nil {
		return Subscription{}, err
	}
	var sub Subscription
	if err := decodeEntity(rep.body, &sub); err != nil {
		return Subscription{}, fmt.Errorf("sharepoint: subscription: response: %w", err)
	}
	return sub, nil
}

// GetSubscription reads one subscription by id; a subscription SharePoint
// no longer has answers 404 (IsNotFound). Only the app that created a
// subscription may read it.
func (c *Client) GetSubscription(ctx context.Context, listID, id string) (Subscription, error) {
	rep, err := c.send(ctx, call{method: "GET", url: c.subscriptionsPath(listID) + "('" + url.PathEscape(id) + "')"})
	if err != nil {
		return Subscription{}, err
	}
	var sub Subscription
	if err := decodeEntity(rep.body, &sub); err != nil {
		return Subscription{}, fmt.Errorf("sharepoint: subscription: response: %w", err)
	}
	return sub, nil
}

// RenewSubscription moves a subscription's expiry and, when notificationURL
// is not empty, its notification URL (PATCH, 204 No Content).
func (c *Client) RenewSubscription(ctx context.Context, listID, id string, expiration time.Time, notificationURL string) error {
	fields := map[string]string{"expirationDateTime": expiration.UTC().Format(time.RFC3339)}
	if notificationURL != "" {
		fields["notificationUrl"] = notificationURL
	}
	body, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("sharepoint: subscription: %w", err)
	}
	_, err = c.send(ctx, call{method: "PATCH", url: c.subscriptionsPath(listID) + "('" + url.PathEscape(id) + "')",
		body: body, contentType: "application/json"})
	return err
}

// DeleteSubscription removes a subscription (DELETE, 204 No Content).
func (c *Client) DeleteSubscription(ctx context.Context, listID, id string) error {
	_, err := c.send(ctx, call{method: "DELETE", url: c.subscriptionsPath(listID) + "('" + url.PathEscape(id) + "')"})
	return err
}

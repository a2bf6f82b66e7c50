package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestHostJSONKeepsWhatAlertsRead: Application Insights never samples away
// a request row or a trace line (the run summaries the alert rules read),
// and one instance runs at most 8 queue messages at once
// (batchSize + newBatchThreshold), the cleanup cap per instance.
func TestHostJSONKeepsWhatAlertsRead(t *testing.T) {
	var doc struct {
		Logging struct {
			ApplicationInsights struct {
				SamplingSettings struct {
					IsEnabled     *bool  `json:"isEnabled"`
					ExcludedTypes string `json:"excludedTypes"`
					IncludedTypes string `json:"includedTypes"`
				} `json:"samplingSettings"`
			} `json:"applicationInsights"`
		} `json:"logging"`
		Extensions struct {
			Queues struct {
				BatchSize         int `json:"batchSize"`
				NewBatchThreshold int `json:"newBatchThreshold"`
			} `json:"queues"`
		} `json:"extensions"`
	}
	if err := json.Unmarshal(mustRead(t, "../host.json"), &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Logging.ApplicationInsights.SamplingSettings
	if s.IsEnabled == nil || *s.IsEnabled {
		excluded := strings.Split(s.ExcludedTypes, ";")
		for _, kind := range []string{"Request", "Trace"} {
			if !slices.Contains(excluded, kind) {
				t.Errorf("samplingSettings.excludedTypes = %q: %s telemetry can be sampled away, and the alert rules read it", s.ExcludedTypes, kind)
			}
		}
		if s.IncludedTypes != "" {
			t.Errorf("samplingSettings.includedTypes = %q: it overrides excludedTypes", s.IncludedTypes)
		}
	}
	q := doc.Extensions.Queues
	if q.BatchSize < 1 || q.NewBatchThreshold < 0 || q.BatchSize+q.NewBatchThreshold > 8 {
		t.Errorf("queues batchSize %d + newBatchThreshold %d: more than 8 messages at once per instance", q.BatchSize, q.NewBatchThreshold)
	}
}

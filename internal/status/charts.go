package status

import (
	"fmt"
	"time"

	"github.com/go-analyze/charts"

	"github.com/tenantops/tenantops/internal/runrecord"
)

// Chart is one drawn chart of the HTML report.
type Chart struct {
	Title string
	SVG   []byte
}

// bucket says how a figure's values are grouped along the time axis.
type bucket int

const (
	perRun  bucket = iota // one point per run: sizes
	perDay                // the day's total: counts
	perHour               // the hour's total over the last week: bursty counts
)

// figureChart names a figure the report draws for any function that records it.
type figureChart struct {
	Figure string
	Title  string
	Bucket bucket
	Scale  float64 // the value is multiplied by it (bytes to MiB); 0 means 1
}

// figureCharts are the figures worth a chart.
var figureCharts = []figureChart{
	{Figure: "backupBytes", Title: "Backup size (MiB)", Bucket: perRun, Scale: 1.0 / (1 << 20)},
	{Figure: "filesDelivered", Title: "Files delivered per day", Bucket: perDay},
	{Figure: "deletesQueued", Title: "Deletes queued per hour (last 7 days)", Bucket: perHour},
	{Figure: "itemsCleaned", Title: "Items cleaned per day", Bucket: perDay},
	{Figure: "objectsChanged", Title: "Entra objects changed per day", Bucket: perDay},
}

// chartSize is the drawn size of every chart, in pixels.
const chartWidth, chartHeight = 560, 260

// ChartsFor draws a function's charts: its runs per day over the report's
// window, ok and failed, then one chart per figure it records.
func ChartsFor(f Function, now time.Time) ([]Chart, error) {
	runs, err := runsPerDay(f.History, now)
	if err != nil {
		return nil, err
	}
	out := []Chart{runs}
	for _, fc := range figureCharts {
		if !recorded(f.History, fc.Figure) {
			continue
		}
		c, err := drawFigure(f.History, fc, now)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func recorded(history []runrecord.Record, figure string) bool {
	for _, r := range history {
		if _, ok := r.Figure(figure); ok {
			return true
		}
	}
	return false
}

// days returns the report's day labels and a record's index among them.
func days(now time.Time) ([]string, func(time.Time) int) {
	first := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -(HistoryDays - 1))
	labels := make([]string, HistoryDays)
	for i := range labels {
		labels[i] = first.AddDate(0, 0, i).Format("01-02")
	}
	return labels, indexFrom(first, 24*time.Hour)
}

func runsPerDay(history []runrecord.Record, now time.Time) (Chart, error) {
	labels, index := days(now)
	ok, failed := make([]float64, len(labels)), make([]float64, len(labels))
	for _, r := range history {
		if i := index(r.Start); i >= 0 && i < len(labels) {
			if r.OK() {
				ok[i]++
			} else {
				failed[i]++
			}
		}
	}
	opt := charts.NewBarChartOptionWithData([][]float64{ok, failed})
	opt.StackSeries = charts.Ptr(true)
	opt.CategoryAxis.Labels = labels
	opt.Legend.SeriesNames = []string{"ok", "failed"}
	opt.Theme = charts.GetTheme(charts.ThemeLight).WithSeriesColors([]charts.Color{
		charts.ColorGreen, charts.ColorRed})
	return drawBars(fmt.Sprintf("Runs per day (last %d days)", HistoryDays), opt)
}

func drawFigure(history []runrecord.Record, fc figureChart, now time.Time) (Chart, error) {
	labels, values := series(history, fc, now)
	if fc.Bucket == perRun {
		opt := charts.NewLineChartOptionWithData([][]float64{values})
		opt.XAxis.Labels = labels
		opt.Legend.SeriesNames = []string{fc.Figure}
		return draw(fc.Title, func(p *charts.Painter) error { return p.LineChart(opt) })
	}
	opt := charts.NewBarChartOptionWithData([][]float64{values})
	opt.CategoryAxis.Labels = labels
	opt.Legend.SeriesNames = []string{fc.Figure}
	return drawBars(fc.Title, opt)
}

// series buckets one figure of the history.
func series(history []runrecord.Record, fc figureChart, now time.Time) ([]string, []float64) {
	scale := fc.Scale
	if scale == 0 {
		scale = 1
	}
	var labels []string
	var values []float64
	var index func(time.Time) int
	switch fc.Bucket {
	case perRun:
		for _, r := range history {
			if v, ok := r.Figure(fc.Figure); ok {
				labels = append(labels, r.Start.UTC().Format("01-02"))
				values = append(values, v*scale)
			}
		}
		return labels, values
	case perDay:
		labels, index = days(now)
	case perHour:
		labels, index = hours(now)
	}
	values = make([]float64, len(labels))
	for _, r := range history {
		if v, ok := r.Figure(fc.Figure); ok {
			if i := index(r.Start); i >= 0 && i < len(values) {
				values[i] += v * scale
			}
		}
	}
	return labels, values
}

// hours returns the labels of the last week's hours and a record's index.
func hours(now time.Time) ([]string, func(time.Time) int) {
	const n = 7 * 24
	first := now.UTC().Truncate(time.Hour).Add(-(n - 1) * time.Hour)
	labels := make([]string, n)
	for i := range labels {
		labels[i] = first.Add(time.Duration(i) * time.Hour).Format("01-02 15h")
	}
	return labels, indexFrom(first, time.Hour)
}

// indexFrom returns the bucket of a time in buckets of width starting at
// first; -1 before first.
func indexFrom(first time.Time, width time.Duration) func(time.Time) int {
	return func(t time.Time) int {
		if t.Before(first) {
			return -1
		}
		return int(t.Sub(first) / width)
	}
}

func drawBars(title string, opt charts.BarChartOption) (Chart, error) {
	return draw(title, func(p *charts.Painter) error { return p.BarChart(opt) })
}

func draw(title string, render func(*charts.Painter) error) (Chart, error) {
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputSVG, Width: chartWidth, Height: chartHeight})
	if err := render(p); err != nil {
		return Chart{}, fmt.Errorf("status: chart %q: %w", title, err)
	}
	svg, err := p.Bytes()
	if err != nil {
		return Chart{}, fmt.Errorf("status: chart %q: %w", title, err)
	}
	return Chart{Title: title, SVG: svg}, nil
}

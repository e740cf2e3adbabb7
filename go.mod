module github.com/dinterowoo/dinterowoo

go 1.24

require github.com/shopspring/decimal v1.6.0

require (
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	github.com/jarcoal/httpmock v1.4.2 // indirect
)

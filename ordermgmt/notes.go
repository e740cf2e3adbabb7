package ordermgmt

// The texts of the notes written on orders. They are the Dintero plugin's,
// so that merchants see what they know; amounts are formatted without any
// locale ("1234.50 NOK").
const (
	NoteCaptured             = "The Dintero order has been captured."
	NoteCapturedAmount       = "The Dintero order has been captured. Captured amount: %s."
	NoteMustAuthorize        = "The order must be authorized by Dintero before it can be captured."
	NoteCanceled             = "The Dintero order has been canceled."
	NoteCapturedNoCancel     = "The Dintero order has been captured, and can therefore no longer be canceled."
	NoteRefunded             = "The Dintero order has been refunded."
	NotePartiallyRefunded    = "The Dintero order has been partially refunded. Refunded amount: %s."
	NoteMissingTransaction   = "The order is missing a transaction ID."
	NoteNothingToRefund      = "There is nothing to refund. The order has not yet been captured in WooCommerce."
	NoteAuthorized           = "The order has been authorized."
	NotePlaced               = "The order was placed successfully via Dintero Checkout. Transaction ID: %s"
	NoteNeedsAuthorization   = "The order was placed successfully, but requires further authorization by Dintero. Transaction ID: %s"
	NoteCanceledInDintero    = "The order was CANCELED in the Dintero."
	NoteNotApproved          = "The order was not approved by Dintero."
	NoteCaptureFailed        = "The Dintero order could not be captured: %s"
	NoteCancelFailed         = "The Dintero order could not be canceled: %s"
	NoteRefundFailed         = "The Dintero refund failed: %s"
	NoteTotalAboveAuthorized = "The Dintero order could not be captured: the order total %s is more than the %s Dintero can still capture."
	// NoteTransactionMismatch: dinterowoo's note when the order's
	// transaction_id names a payment that is not the order's.
	NoteTransactionMismatch = "The Dintero transaction %s does not belong to this order, so nothing was captured, canceled or refunded with it; manual handling is required."
	// NoteAuthorizationMismatch is the plugin family's note when the
	// authorization does not cover the order (amount or currency).
	NoteAuthorizationMismatch = "The order was authorized with a different amount (%s authorized for an order of %s), so manual handling is required."
	// NoteRefundedByHand: dinterowoo's own note when an order reaches a
	// refund status after refunds recorded by hand ("Refund manually"):
	// that money is taken as returned outside Dintero.
	NoteRefundedByHand = "Refunds of %s were recorded by hand in WooCommerce, not through Dintero; that money is taken as already returned to the customer and was not refunded at Dintero."
	// RefundReason is the reason on refund records made by Refund, unless
	// the caller gives one.
	RefundReason = "Refund via Dintero"
	// SwishCancelReason is the refund reason when a Swish order, captured
	// at once, is cancelled.
	SwishCancelReason = "Swish order cancellation"
)

// Meta keys dinterowoo keeps on orders and refund records.
const (
	// MetaNoted lists, comma-separated, the notes already written, so each
	// is written once; it is updated after the notes, so a crash can repeat
	// a note but never lose one.
	MetaNoted = "_dinterowoo_noted"
	// MetaRefundMarker marks a refund record made by Refund: the intent to
	// refund at Dintero. Its value is unique to the attempt.
	MetaRefundMarker = "_dinterowoo_refund"
	// MetaPluginMerchantReference is the Dintero plugin's own key: the
	// merchant_reference of the session it created for the order.
	MetaPluginMerchantReference = "_dintero_merchant_reference"
)

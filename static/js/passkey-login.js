// "Use a passkey" on the sign-in page: when the browser offers no passkey (none made for StageSlot on this
// device, one added as a second step only, or the prompt closed), allauth only logs the error. Say so on the
// page: the words are in the template (#passkey_failed), hidden until then.
(function () {
  document.addEventListener('allauth.error', function (event) {
    const tags = (event.detail && event.detail.tags) || []
    const message = document.getElementById('passkey_failed')
    if (!message || tags.indexOf('webauthn') === -1) return
    event.preventDefault()
    message.hidden = false
    message.focus()
  })
})()

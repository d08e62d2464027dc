/* Upload Image (Project > Glint > Migrate Image).
 *
 * Horizon's modal script sends the file from the browser straight to
 * Glint, as it sends Glance's in its direct upload mode; the form itself
 * goes to the dashboard without it. Here the form takes the file's size
 * (Glint sizes the upload's trust to it, and checks that so many bytes
 * come) and, unless another is given, its name; and a file that Glint
 * refused, or that did not reach it, is told of.
 */
(function () {
  'use strict';

  // Where the browser sends an upload's data (glintclient.upload_path).
  var UPLOAD_PATH = /\/v1\/migrations\/[^\/]+\/file$/;

  $(document).on('change', '#upload_image_modal input[data-external-upload]',
    function () {
      var file = this.files[0];
      var $form = $(this).closest('form');
      var $name = $form.find('input[name="name"]');
      $form.find('input[name="size"]').val(file ? file.size : '');
      if (file && (!$name.val() || $name.val() === $name.data('fileName'))) {
        $name.val(file.name).data('fileName', file.name);
      }
    });

  // Horizon says that the form failed. Here Glint's reason, when it gave
  // one, and the Migrations table drawn again in place: the upload awaits
  // its data there, to be cancelled (or Glint ends it after a while).
  $(document).ajaxError(function (event, jqXHR, settings) {
    if (settings.type !== 'PUT' || !UPLOAD_PATH.test(settings.url)) {
      return;
    }
    var reason;
    try {
      reason = JSON.parse(jqXHR.responseText).errors[0].detail;
    } catch (e) {
      reason = gettext('The file did not reach Glint.');
    }
    horizon.toast.add('danger', reason);
    $('#migrations').load(window.location.pathname + ' #migrations > *');
  });
}());

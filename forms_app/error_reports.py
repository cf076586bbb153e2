from django.views.debug import SafeExceptionReporterFilter


class PersonalDataExceptionReporterFilter(SafeExceptionReporterFilter):
    """Error reports for a request that carries personal data (a form page marks it so) show
    neither its POST data nor the local variables that hold it."""

    def get_traceback_frame_variables(self, request, tb_frame):
        if self.is_active(request) and getattr(request, "sensitive_post_parameters", None):
            return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]
        return super().get_traceback_frame_variables(request, tb_frame)

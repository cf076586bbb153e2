"""The pages behind the signed links in endorsement emails. A GET only asks; the change is a
POST, so a mail scanner that opens every link neither confirms nor withdraws anything."""

from django.core import signing
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from forms_app.models import CampaignFormSubmission

from . import endorsements
from .models import Sponsor


@method_decorator(never_cache, name="dispatch")
class SignedLinkView(View):
    """Reads the object a signed link names; an altered, expired or stale link gets a page that
    says so, and changes nothing."""

    template_name = None

    def dispatch(self, request, token):
        try:
            self.object = self.get_object(token)
        except signing.SignatureExpired:
            return self.render("expired", status=410)
        except signing.BadSignature:
            return self.render("invalid", status=400)
        if self.object is None:
            return self.render("invalid", status=404)
        return super().dispatch(request, token)

    def get_object(self, token):
        raise NotImplementedError

    def render(self, state, status=200):
        return render(self.request, self.template_name, {"state": state}, status=status)

    def get(self, request, token):
        return self.render("ask")


class ConfirmEndorsementView(SignedLinkView):
    template_name = "sponsors/confirm_endorsement.html"

    def get_object(self, token):
        pk = endorsements.submission_pk_from(token)
        return CampaignFormSubmission.objects.filter(pk=pk).first()

    def post(self, request, token):
        _sponsor, outcome = endorsements.confirm_endorsement(self.object)
        return self.render(outcome.value)


class WithdrawEndorsementView(SignedLinkView):
    template_name = "sponsors/withdraw_endorsement.html"

    def get_object(self, token):
        return Sponsor.objects.filter(pk=endorsements.sponsor_pk_from(token)).first()

    def get(self, request, token):
        if self.object.status == Sponsor.Status.WITHDRAWN:
            return self.render("withdrawn")
        return super().get(request, token)

    def post(self, request, token):
        if self.object.status != Sponsor.Status.WITHDRAWN:
            self.object.withdraw()
        return self.render("withdrawn")

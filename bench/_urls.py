from django.urls import include, path

from bench._bare.api import router
from tracker import urls as product_urls

# The bare endpoint goes first, ahead of the API's catch-all 404.
urlpatterns = [path("api/bench/", include(router.urls)), *product_urls.urlpatterns]
handler404 = product_urls.handler404
handler500 = product_urls.handler500

from django.urls import path

from kb import views

urlpatterns = [
    path("", views.kb_home, name="kb_home"),
    path("editor/", views.editor_article_list, name="kb_editor_list"),
    path("editor/new/", views.editor_article_new, name="kb_editor_new"),
    path("editor/gaps/", views.editor_content_gaps, name="kb_editor_gaps"),
    path("editor/preview/", views.editor_preview_partial, name="kb_editor_preview"),
    path("editor/<int:pk>/", views.editor_article_edit, name="kb_editor_article"),
    path(
        "editor/<int:pk>/transition/", views.editor_article_transition, name="kb_editor_transition"
    ),
    path("editor/<int:pk>/revisions/", views.editor_article_revisions, name="kb_editor_revisions"),
    path(
        "editor/<int:pk>/revisions/<int:number>/restore/",
        views.editor_revision_restore,
        name="kb_editor_restore",
    ),
    path("<slug:slug>/", views.kb_article, name="kb_article"),
    path("<slug:slug>/vote/", views.kb_article_vote, name="kb_article_vote"),
]

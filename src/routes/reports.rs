//! Export pages: the filter form and the streamed download.

use actix_web::{HttpResponse, web};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::extract::Category;
use crate::startup::AppState;
use crate::views::{ExportPage, Layout};

pub async fn export_form(user: CurrentUser) -> ExportPage {
    ExportPage {
        layout: Layout::for_user(&user),
        categories: &Category::ALL,
    }
}

pub async fn download_export(
    _state: web::Data<AppState>,
    _user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    Err(AppError::Validation("exports are not available yet".into()))
}
